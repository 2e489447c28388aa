package io.weft.proxy.metrics;

import io.linkerd.proxy.destination.WeightedAddr;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.admin.AdminServer;
import io.weft.proxy.admin.LogLevels;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** A real Prometheus server scrapes the proxy's admin port and answers a PromQL query from it. */
class PrometheusScrapeTest {
  @TempDir Path dir;

  @Test
  void prometheusScrapesTheAdminPort() throws Exception {
    assumeTrue(System.getenv("CI") != null || PromtoolTest.promtoolInstalled(), "needs prometheus (CI installs it)");
    ProxyMetrics metrics = new ProxyMetrics();
    var target = HttpMetrics.Target.outbound("web-svc.emojivoto.svc.cluster.local:80",
        WeightedAddr.newBuilder().putMetricLabels("pod", "web-0").build(), Map.of("service", "web-svc", "namespace", "emojivoto"));
    for (int i = 0; i < 7; i++) {
      metrics.http().requested(target);
      metrics.http().responded(target, 200, false, 3_000_000);
    }
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "scrape-test");
    Process prometheus = null;
    try {
      int admin = new AdminServer(new AdminServer.Hooks(() -> true, metrics::scrape, new LogLevels("warn"), false, () -> { },
          Map.of())).bind(system, new InetSocketAddress("127.0.0.1", 0)).localAddress().getPort();
      int web = LocalMesh.freePort();
      Files.writeString(dir.resolve("prometheus.yml"), """
          global: {scrape_interval: 1s, evaluation_interval: 1s}
          scrape_configs:
          - job_name: weft-proxy
            static_configs: [{targets: ["127.0.0.1:%d"]}]
          """.formatted(admin));
      prometheus = new ProcessBuilder("prometheus", "--config.file=" + dir.resolve("prometheus.yml"),
          "--storage.tsdb.path=" + dir.resolve("data"), "--web.listen-address=127.0.0.1:" + web)
          .redirectErrorStream(true).redirectOutput(dir.resolve("prometheus.log").toFile()).start();
      HttpClient http = HttpClient.newHttpClient();
      String query = URLEncoder.encode("sum(request_total{direction=\"outbound\",dst_service=\"web-svc\"})", StandardCharsets.UTF_8);
      URI uri = URI.create("http://127.0.0.1:" + web + "/api/v1/query?query=" + query);
      await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() ->
          http.send(HttpRequest.newBuilder(uri).build(), HttpResponse.BodyHandlers.ofString()).body().contains("\"7\"]"));
    } finally {
      if (prometheus != null) {
        prometheus.destroy();
        prometheus.waitFor();
      }
      system.terminate();
    }
  }
}
