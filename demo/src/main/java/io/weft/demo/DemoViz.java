package io.weft.demo;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.weft.actors.ControlPlane;
import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.ResourceKind;
import io.weft.proxy.identity.ProxyIdentity;
import io.weft.proxy.metrics.ProxyMetrics;
import io.weft.viz.VizService;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Source;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The viz service for the demo's mesh: it knows the demo's pods, Services and ServiceProfiles,
 * scrapes the proxies, taps them as the tap service (certified like any workload), and serves the
 * API and dashboard on this machine.
 */
public final class DemoViz implements AutoCloseable {
  private static final Duration CERTIFY_TIMEOUT = Duration.ofSeconds(60);
  private final ActorSystem<Void> system;
  private final VizService viz;
  private final InetSocketAddress address;

  private DemoViz(ActorSystem<Void> system, VizService viz, InetSocketAddress address) {
    this.system = system;
    this.viz = viz;
    this.address = address;
  }

  /** {@code identityService}: where the tap service gets its certificate; {@code config}: {@code weft.viz} settings. */
  public static DemoViz start(ControlPlane controlPlane, DemoIdentity identity, InetSocketAddress identityService, Config config) {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "weft-viz", ConfigFactory.parseString(
        "pekko.remote.artery.canonical.port = 0").withFallback(config));
    try {
      ProxyIdentity tap = ProxyIdentity.start(system, identity.tapServiceIdentity(identityService), new ProxyMetrics().identity());
      tap.certified().toCompletableFuture().get(CERTIFY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      List<ClusterEvent> state = new ArrayList<>();
      for (ResourceKind kind : List.of(ResourceKind.POD, ResourceKind.SERVICE, ResourceKind.SERVICE_PROFILE)) {
        controlPlane.queries().objects(kind, KubeResource.class).toCompletableFuture().join()
            .forEach(resource -> state.add(new ClusterEvent.Upserted(resource)));
      }
      state.add(new ClusterEvent.Synced("the demo's mesh"));
      // The demo's cluster is fixed once it runs: its state, then nothing more.
      VizService viz = VizService.start(system, Source.from(state).concat(Source.maybe()), java.util.Optional.of(tap.tls()),
          VizService.Settings.from(config));
      return new DemoViz(system, viz, viz.serve(system));
    } catch (IOException e) {
      system.terminate();
      throw new UncheckedIOException("cannot write the tap service's token", e);
    } catch (Exception e) {
      system.terminate();
      throw new IllegalStateException("the demo's viz service did not start: " + e.getMessage(), e);
    }
  }

  public VizService viz() {
    return viz;
  }

  public InetSocketAddress address() {
    return address;
  }

  @Override
  public void close() {
    viz.close();
    system.terminate();
  }
}
