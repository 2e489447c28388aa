package io.weft.proxy.metrics;

import io.linkerd.proxy.destination.WeightedAddr;
import io.weft.proxy.admin.AdminServer;
import io.weft.proxy.admin.LogLevels;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Prometheus's own linter accepts what the admin server serves on /metrics. */
class PromtoolTest {
  static boolean promtoolInstalled() {
    try {
      return new ProcessBuilder("promtool", "--version").start().waitFor() == 0;
    } catch (Exception e) {
      return false;
    }
  }

  @Test
  void promtoolAcceptsTheMetricsEndpoint() throws Exception {
    assumeTrue(System.getenv("CI") != null || promtoolInstalled(), "needs promtool (CI installs prometheus)");
    ProxyMetrics metrics = new ProxyMetrics();
    WeightedAddr endpoint = WeightedAddr.newBuilder().putMetricLabels("pod", "web-0").putMetricLabels("namespace", "emojivoto")
        .putMetricLabels("deployment", "web").build();
    var target = HttpMetrics.Target.outbound("web-svc.emojivoto.svc.cluster.local:80", endpoint, Map.of("service", "web-svc"));
    metrics.http().requested(target);
    metrics.http().responded(target, 200, false, 12_000_000);
    metrics.http().requested(target);
    metrics.http().responded(target, 503, false, 1_000_000);

    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "promtool-test");
    try {
      var binding = new AdminServer(new AdminServer.Hooks(() -> true, metrics::scrape, new LogLevels("warn"), false, () -> { },
          Map.of())).bind(system, new InetSocketAddress("127.0.0.1", 0));
      String body = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()
          .send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + "/metrics")).build(),
              HttpResponse.BodyHandlers.ofString()).body();
      assertThat(body).contains("request_total").contains("response_total").contains("response_latency_ms_bucket");

      Process promtool = new ProcessBuilder("promtool", "check", "metrics").redirectErrorStream(true).start();
      promtool.getOutputStream().write(body.getBytes(StandardCharsets.UTF_8));
      promtool.getOutputStream().close();
      String verdict = new String(promtool.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      int exit = promtool.waitFor();
      // Exit 3 means style findings only (1 would be a parse error). The findings allowed are
      // for Linkerd's own names response_latency_ms (an abbreviated unit) and identity_cert_refresh_count
      // (a _count suffix), which dashboards rely on.
      assertThat(exit).as("promtool said: %s", verdict).isIn(0, 3);
      assertThat(verdict.lines().filter(l -> !l.isBlank()))
          .allMatch(l -> l.equals("response_latency_ms metric names should not contain abbreviated units")
              || l.equals("identity_cert_refresh_count non-histogram and non-summary metrics should not have \"_count\" suffix"),
              "only Linkerd's mandated names");
    } finally {
      system.terminate();
    }
  }
}
