package io.weft.demo;

import io.linkerd.proxy.destination.WeightedAddr;
import io.weft.proxy.metrics.HttpMetrics;
import io.weft.proxy.metrics.ProxyMetrics;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class DeploymentStatsTest {
  private static HttpMetrics.Target to(String deployment) {
    return HttpMetrics.Target.outbound(deployment + ".ns.svc.cluster.local:80",
        WeightedAddr.newBuilder().putMetricLabels("deployment", deployment).build(), Map.of());
  }

  @Test
  void aggregatesCallersMetricsPerDeployment() {
    ProxyMetrics callerA = new ProxyMetrics();
    ProxyMetrics callerB = new ProxyMetrics();
    // 90 fast successes (4 ms, bucket 3-4) across two callers, 10 slow failures (40 ms, bucket 30-40).
    for (int i = 0; i < 45; i++) {
      callerA.http().requested(to("web"));
      callerA.http().responded(to("web"), 200, false, 4_000_000);
      callerB.http().requested(to("web"));
      callerB.http().responded(to("web"), 200, false, 4_000_000);
    }
    for (int i = 0; i < 10; i++) {
      callerB.http().responded(to("web"), 500, false, 40_000_000);
    }
    callerB.http().responded(to("emoji"), 200, false, 1_000_000);

    DeploymentStats web = DeploymentStats.of("web", List.of(callerA.snapshot(), callerB.snapshot()), Duration.ofSeconds(10));
    assertThat(web.responses()).isEqualTo(100);
    assertThat(web.successRate().orElseThrow()).isEqualTo(0.9);
    assertThat(web.rps()).isEqualTo(10.0);
    // p50 falls in the 3-4 ms bucket; p95 and p99 in 30-40 ms, interpolated within it.
    assertThat(web.p50().orElseThrow()).isBetween(3.0, 4.0);
    assertThat(web.p95().orElseThrow()).isCloseTo(35.0, within(0.01));
    assertThat(web.p99().orElseThrow()).isCloseTo(39.0, within(0.01));
    assertThat(DeploymentStats.of("voting", List.of(callerA.snapshot()), Duration.ofSeconds(1)).successRate()).isEmpty();
  }
}
