package io.weft.k8s.api;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.weft.k8s.ClusterBackend;
import io.weft.k8s.EventPublisher;
import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.ResourceKind;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;

/** The Kubernetes API (kubeconfig or in-cluster service account) through fabric8. */
public final class KubeApiBackend implements ClusterBackend, AutoCloseable {
  /** See reference.conf {@code weft.kubernetes}. */
  public record Settings(long pageSize, Duration minBackoff, Duration maxBackoff, Duration resyncInterval, int buffer) {}

  private final KubernetesClient client;
  private final Set<ResourceKind> kinds;
  private final Settings settings;

  /** Connects with {@code base} (e.g. {@link Config#autoConfigure}), taking over watch reconnects. */
  public KubeApiBackend(Config base, Set<ResourceKind> kinds, Settings settings) {
    // Reconnecting is ours: a watch that drops is followed by a relist, never a silent re-watch.
    Config config = new ConfigBuilder(base).withWatchReconnectLimit(0).build();
    this.client = new KubernetesClientBuilder().withConfig(config).build();
    this.kinds = Set.copyOf(kinds);
    this.settings = settings;
  }

  /** Linkerd's proxies present projected tokens minted for this audience. */
  private static final String IDENTITY_AUDIENCE = "identity.l5d.io";

  @Override
  public io.weft.k8s.identity.TokenReviewer tokenReviewer() {
    return new io.weft.k8s.identity.KubeTokenReviewer(client, java.util.List.of(IDENTITY_AUDIENCE),
        java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
  }

  @Override
  public java.util.Optional<io.weft.k8s.identity.IssuerSource> issuerSource(String controlPlaneNamespace) {
    return java.util.Optional.of(new io.weft.k8s.identity.IssuerSecrets(client, controlPlaneNamespace));
  }

  @Override
  public io.weft.k8s.EventRecorder eventRecorder(String component) {
    return new KubeEventRecorder(client, component, java.time.Clock.systemUTC());
  }

  @Override
  public String describe() {
    return "Kubernetes API " + client.getConfiguration().getMasterUrl();
  }

  @Override
  public Source<ClusterEvent, NotUsed> events() {
    return Source.lazySource(() -> {
      List<ListWatch> watches = new ArrayList<>();
      return EventPublisher.source(settings.buffer(), kinds.size(), publisher -> {
        // The last kind to finish its first list announces that the initial state is complete.
        AtomicInteger unlisted = new AtomicInteger(kinds.size());
        Runnable listed = () -> {
          if (unlisted.decrementAndGet() == 0) {
            try {
              publisher.publish(new ClusterEvent.Synced(describe()));
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
          }
        };
        for (ResourceKind kind : kinds) {
          ListWatch w = new ListWatch(client, kind, publisher, settings, listed);
          watches.add(w);
          w.start();
        }
      }, () -> watches.forEach(ListWatch::stop));
    }).mapMaterializedValue(f -> NotUsed.notUsed());
  }

  @Override
  public void close() {
    client.close();
  }
}
