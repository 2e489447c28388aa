package io.weft.viz;

import io.weft.k8s.local.LocalClusterBackend;
import io.weft.viz.query.ResourceRef;
import io.weft.viz.query.RouteRow;
import io.weft.viz.query.StatRequest;
import io.weft.viz.query.StatRow;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * viz answering from a real Prometheus (Debian's) that scrapes the proxies with the configuration
 * {@code weft viz install} renders (Linkerd's {@code linkerd-proxy} job and its relabelling): the
 * same numbers as the requests sent, and as viz's own scrapes.
 */
class VizPrometheusTest {
  private static final Path PROMETHEUS = Path.of("/usr/bin/prometheus");
  private static final int REQUESTS = 200;

  @TempDir static Path directory;
  @TempDir static Path data;
  private static VizMesh mesh;
  private static Process prometheus;
  private static int prometheusPort;
  private static ActorSystem<Void> system;
  private static VizService fromPrometheus;

  @BeforeAll
  static void start() throws Exception {
    assumeTrue(System.getenv("CI") != null || Files.isExecutable(PROMETHEUS), "needs Debian's prometheus (.ci/run installs it)");
    mesh = VizMesh.start(directory);
    try (ServerSocket socket = new ServerSocket(0)) {
      prometheusPort = socket.getLocalPort();
    }
    // The configuration weft viz install renders (Linkerd's linkerd-proxy job), scraping every second.
    // Debian's Prometheus has no Kubernetes discovery: the two pods come as static targets with the
    // labels discovery would give them, and the job's relabelling makes their series' labels.
    Path config = data.resolve("prometheus.yml");
    Files.writeString(config, io.weft.operator.install.VizManifests.prometheusConfig("linkerd")
        .replace("scrape_interval: 10s", "scrape_interval: 1s").replace("evaluation_interval: 10s", "evaluation_interval: 1s")
        .replace("  kubernetes_sd_configs:\n  - role: pod\n", """
          static_configs:
          - targets: ['%s:4191']
            labels: {__meta_kubernetes_pod_phase: Running, __meta_kubernetes_pod_container_name: linkerd-proxy,
                     __meta_kubernetes_pod_container_port_name: linkerd-admin, __meta_kubernetes_pod_label_linkerd_io_control_plane_ns: linkerd,
                     __meta_kubernetes_namespace: shop, __meta_kubernetes_pod_name: web-5d9f-abcde,
                     __meta_kubernetes_pod_label_linkerd_io_proxy_deployment: web, __meta_kubernetes_pod_label_app: web}
          - targets: ['%s:4191']
            labels: {__meta_kubernetes_pod_phase: Running, __meta_kubernetes_pod_container_name: linkerd-proxy,
                     __meta_kubernetes_pod_container_port_name: linkerd-admin, __meta_kubernetes_pod_label_linkerd_io_control_plane_ns: linkerd,
                     __meta_kubernetes_namespace: shop, __meta_kubernetes_pod_name: client-7c4b-fghij,
                     __meta_kubernetes_pod_label_linkerd_io_proxy_deployment: client, __meta_kubernetes_pod_label_app: client}
        """.formatted(VizMesh.WEB_IP, VizMesh.CLIENT_IP)));
    prometheus = new ProcessBuilder(PROMETHEUS.toString(), "--config.file=" + config, "--storage.tsdb.path=" + data.resolve("tsdb"),
        "--web.listen-address=127.0.0.1:" + prometheusPort, "--log.level=warn")
        .redirectErrorStream(true).redirectOutput(data.resolve("prometheus.log").toFile()).start();
    HttpClient http = HttpClient.newHttpClient();
    await().atMost(Duration.ofSeconds(60)).until(() -> {
      try {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort + "/-/ready")).build(),
            HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
      } catch (java.io.IOException e) {
        return false;
      }
    });
    system = ActorSystem.create(Behaviors.empty(), "viz-prometheus");
    VizService.Settings settings = new VizService.Settings("127.0.0.1", 0, Duration.ofSeconds(1), Duration.ofSeconds(5), 4,
        Duration.ofMinutes(10), 4191, 4190, "linkerd", "cluster.local", "cluster.local", "",
        "http://127.0.0.1:" + prometheusPort);
    LocalClusterBackend cluster = new LocalClusterBackend(directory, new LocalClusterBackend.Settings("linkerd",
        Duration.ofMillis(500), Duration.ofMillis(50), 1024, directory.resolve("prometheus-viz-token.key")));
    fromPrometheus = VizService.start(system, cluster.events(), Optional.empty(), settings);
  }

  @AfterAll
  static void stop() {
    if (fromPrometheus != null) {
      fromPrometheus.close();
    }
    if (system != null) {
      system.terminate();
    }
    if (prometheus != null) {
      prometheus.destroyForcibly();
    }
    if (mesh != null) {
      mesh.close();
    }
  }

  private static StatRow web(VizService viz) {
    return viz.stat(StatRequest.of(ResourceRef.parse("deploy/web"), Optional.of("shop"), Duration.ofHours(1))).stream()
        .filter(r -> r.name().equals("web")).findFirst().orElseThrow();
  }

  /** Waits until Prometheus has scraped both proxies twice since now. */
  private static void prometheusScraped() throws Exception {
    long since = System.currentTimeMillis();
    HttpClient http = HttpClient.newHttpClient();
    await().atMost(Duration.ofSeconds(30)).until(() -> {
      String body = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + prometheusPort
          + "/api/v1/query?query=min(timestamp(up%7Bjob%3D%22linkerd-proxy%22%7D))")).build(), HttpResponse.BodyHandlers.ofString()).body();
      var value = io.weft.viz.api.VizJson.MAPPER.readTree(body).path("data").path("result").path(0).path("value").path(1);
      return !value.isMissingNode() && Double.parseDouble(value.asText()) * 1000 > since + 1000;
    });
  }

  @Test
  void statAndRoutesFromPrometheusCountWhatWasSent() throws Exception {
    mesh.get("/books/warm");
    prometheusScraped();
    long before = web(fromPrometheus).requests() == null ? 0 : web(fromPrometheus).requests();
    int failed = 0;
    for (int i = 0; i < REQUESTS; i++) {
      if (mesh.get(i % 10 == 0 ? "/fail" : "/books/" + i) != 200) {
        failed++;
      }
    }
    prometheusScraped();
    mesh.scraped();
    StatRow after = web(fromPrometheus);
    assertThat(after.requests() - before).as("responses Prometheus holds").isCloseTo((long) REQUESTS, within((long) (REQUESTS * 0.01)));
    assertThat(failed).isEqualTo(REQUESTS / 10);
    assertThat(after.requests()).as("what viz scraped itself").isCloseTo(web(mesh.viz).requests(), within((long) (REQUESTS * 0.01)));
    assertThat(after.success()).isCloseTo(web(mesh.viz).success(), within(0.01));
    assertThat(after.latencyMsP50()).isPositive();
    List<RouteRow> routes = fromPrometheus.routes(ResourceRef.parse("svc/web"), "shop", Optional.empty(), "shop", Duration.ofHours(1));
    assertThat(routes).extracting(RouteRow::route).containsExactly("books", "authors", RouteRow.DEFAULT);
    assertThat(routes.getFirst().requests()).isGreaterThanOrEqualTo((long) (REQUESTS - REQUESTS / 10));
    assertThat(routes.get(2).effectiveSuccess()).isEqualTo(0.0);
  }

  @Test
  void aPrometheusThatCannotBeReachedIsSaidSo() throws Exception {
    VizService.Settings nowhere = new VizService.Settings("127.0.0.1", 0, Duration.ofSeconds(1), Duration.ofSeconds(2), 4,
        Duration.ofMinutes(10), 4191, 4190, "linkerd", "cluster.local", "cluster.local", "", "http://127.0.0.1:1");
    try (VizService viz = VizService.start(system, org.apache.pekko.stream.javadsl.Source.empty(), Optional.empty(), nowhere)) {
      var api = viz.serve(system);
      HttpResponse<String> answer = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:"
          + api.getPort() + "/api/stat?resource=deploy&namespace=shop")).build(), HttpResponse.BodyHandlers.ofString());
      assertThat(answer.statusCode()).isEqualTo(503);
      assertThat(answer.body()).contains("cannot reach Prometheus at http://127.0.0.1:1");
    }
  }
}
