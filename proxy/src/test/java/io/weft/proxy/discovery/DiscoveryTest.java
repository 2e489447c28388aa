package io.weft.proxy.discovery;

import io.weft.actors.ControlPlane;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.config.ProxyConfig;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The proxy's discovery against a real control plane on a local cluster, which also goes away. */
class DiscoveryTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String AUTHORITY = "api.shop.svc.cluster.local:80";

  @TempDir Path manifests;
  private ActorSystem<Void> proxySystem;
  private ControlPlane controlPlane;
  private Discovery discovery;

  static String manifest(int replicas) {
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: api, namespace: shop}
        spec:
          selector: {app: api}
          ports: [{name: http, port: 80, targetPort: 8080}]
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: api, namespace: shop}
        spec:
          replicas: %d
          selector: {matchLabels: {app: api}}
          template:
            metadata: {labels: {app: api}}
            spec: {containers: [{name: api, ports: [{containerPort: 8080}]}]}
        """.formatted(replicas);
  }


  @AfterEach
  void stop() {
    if (discovery != null) {
      discovery.close();
    }
    if (proxySystem != null) {
      proxySystem.terminate();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void endpointsReachSubscribersAndSurviveTheControlPlaneGoingAway() throws IOException {
    int port = LocalMesh.freePort();
    Files.writeString(manifests.resolve("shop.yaml"), manifest(2));
    controlPlane = LocalMesh.controlPlane(manifests, port);
    proxySystem = LocalMesh.proxySystem();
    discovery = LocalMesh.discovery(proxySystem, port, ProxyConfig.fromEnv(Map.of()).outbound().limits().failfastTimeout(),
        Duration.ofSeconds(30));

    Resolution api = discovery.resolve(AUTHORITY);
    await().atMost(PATIENCE).until(() -> api.endpoints().size() == 2);
    assertThat(api.exists()).contains(true);
    java.util.concurrent.atomic.AtomicReference<java.util.List<io.linkerd.proxy.destination.WeightedAddr>> seen =
        new java.util.concurrent.atomic.AtomicReference<>();
    api.subscribe(seen::set);
    assertThat(seen.get()).hasSize(2).containsAll(api.endpoints().values());
    assertThat(seen.get().getFirst().getAddr().getPort()).isEqualTo(8080);

    // The control plane goes away: the proxy keeps serving from what it knew.
    controlPlane.close();
    controlPlane = null;
    assertThat(api.endpoints()).hasSize(2);

    // It comes back with a changed cluster: the stream reconnects and catches up.
    Files.writeString(manifests.resolve("shop.yaml"), manifest(3));
    controlPlane = LocalMesh.controlPlane(manifests, port);
    await().atMost(PATIENCE).until(() -> api.endpoints().size() == 3);
    assertThat(seen.get()).hasSize(3);

    // An unknown service is said not to exist, so the proxy may fall back to the original address.
    Resolution missing = discovery.resolve("nope.shop.svc.cluster.local:80");
    await().atMost(PATIENCE).until(() -> missing.exists().isPresent());
    assertThat(missing.exists()).contains(false);
    assertThat(missing.endpoints()).isEmpty();
  }

  @Test
  void authoritiesNobodyUsesAreDroppedAfterTheIdleTimeout() throws IOException {
    int port = LocalMesh.freePort();
    Files.writeString(manifests.resolve("shop.yaml"), manifest(1));
    controlPlane = LocalMesh.controlPlane(manifests, port);
    proxySystem = LocalMesh.proxySystem();
    AtomicLong now = new AtomicLong();
    Duration idle = Duration.ofSeconds(5);
    ProxyConfig defaults = ProxyConfig.fromEnv(Map.of());
    discovery = new Discovery(proxySystem, LocalMesh.destinationClient(proxySystem, port), java.util.Optional.empty(),
        new Discovery.Settings("{}", Duration.ofMillis(100), Duration.ofSeconds(1), idle, defaults.controlPlane().stream(), List.of()), now::get);
    Resolution first = discovery.resolve(AUTHORITY);
    await().atMost(PATIENCE).until(() -> first.endpoints().size() == 1);

    // A request in flight keeps it past the idle timeout, however long the request takes.
    first.hold();
    now.addAndGet(idle.toNanos() + 1);
    discovery.dropIdle();
    assertThat(discovery.active()).isEqualTo(1);
    // Once nothing is in flight and nobody asked for the idle timeout, it is dropped.
    first.release();
    discovery.dropIdle();
    assertThat(discovery.active()).isZero();
    assertThat(first.dropped()).isCompleted();
    // Used recently: kept.
    Resolution again = discovery.resolve(AUTHORITY);
    assertThat(again).isNotSameAs(first);
    now.addAndGet(idle.toNanos() - 1);
    discovery.dropIdle();
    assertThat(discovery.active()).isEqualTo(1);
    await().atMost(PATIENCE).until(() -> again.endpoints().size() == 1);
  }
}
