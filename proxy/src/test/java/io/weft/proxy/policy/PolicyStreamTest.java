package io.weft.proxy.policy;

import io.weft.actors.ControlPlane;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.config.ProxyConfig;
import io.weft.proxy.control.ControlPlaneClient;
import io.weft.proxy.discovery.Following;
import io.weft.proxy.metrics.ProxyMetrics;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A proxy says whether it follows each port's policy ({@code inbound_policy_stream_up}): 1 while the
 * control plane answers, 0 once it is gone (the last answer stands meanwhile), 1 again when it is back.
 */
class PolicyStreamTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final int PORT = 8080;

  @TempDir Path manifests;
  private ControlPlane controlPlane;
  private ActorSystem<Void> proxy;

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.terminate();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  private static String gauge(ProxyMetrics metrics) {
    return metrics.scrape().lines().filter(l -> l.startsWith("inbound_policy_stream_up{")).findFirst().orElse("");
  }

  @Test
  void theGaugeFollowsTheStream() throws Exception {
    Files.writeString(manifests.resolve("pod.yaml"), LocalMesh.loopbackPod("web", PORT));
    int port = LocalMesh.freePort();
    controlPlane = LocalMesh.controlPlane(manifests, port);
    proxy = LocalMesh.proxySystem();
    InboundPolicies policies = new InboundPolicies(proxy, ControlPlaneClient.inboundPolicies(proxy, new InetSocketAddress("127.0.0.1", port)),
        "{\"ns\":\"shop\",\"pod\":\"web\"}", Set.of(PORT),
        new Following.Limits(Duration.ofMillis(100), Duration.ofMillis(500), ProxyConfig.fromEnv(Map.of()).controlPlane().stream()));
    ProxyMetrics metrics = new ProxyMetrics();
    metrics.authz().policyStreams(policies.ports(), policies::following);

    // The gauge goes up as the answer arrives, a moment before the answer is in force.
    await().atMost(PATIENCE).until(() -> gauge(metrics).equals("inbound_policy_stream_up{port=\"8080\"} 1.0")
        && policies.forPort(PORT).isPresent());

    controlPlane.close();
    await().atMost(PATIENCE).until(() -> gauge(metrics).equals("inbound_policy_stream_up{port=\"8080\"} 0.0"));
    assertThat(policies.forPort(PORT)).as("the last answer stands").isPresent();

    controlPlane = LocalMesh.controlPlane(manifests, port);
    await().atMost(PATIENCE).until(() -> gauge(metrics).equals("inbound_policy_stream_up{port=\"8080\"} 1.0"));
  }
}
