package io.weft.proxy.outbound;

import com.sun.net.httpserver.HttpServer;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.OutboundMesh;
import io.weft.proxy.metrics.ProxyMetrics;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.IntPredicate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A ServiceProfile's routes, retries, timeouts and traffic split taking effect in the outbound
 * proxy: Java's HTTP client (and curl for gRPC) → outbound proxy → backends found through a real
 * control plane on a local cluster whose manifests the test edits.
 */
@Timeout(value = 3, unit = TimeUnit.MINUTES)
class ServiceProfileTest {
  private static final Duration FAILFAST = Duration.ofSeconds(3);
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String API = "api.shop.svc.cluster.local:80";
  private static final double RETRY_RATIO = 0.2;
  private static final double FREE_RETRIES_PER_SECOND = 10;

  @TempDir Path manifests;
  private final List<HttpServer> servers = new ArrayList<>();
  private OutboundMesh mesh;
  private final ProxyMetrics metrics = new ProxyMetrics();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .executor(Executors.newVirtualThreadPerTaskExecutor()).build();

  /** Every request any backend received (attempts, retries included), and which attempts fail (by number, from 0). */
  private final AtomicInteger attempts = new AtomicInteger();
  private final AtomicReference<IntPredicate> failing = new AtomicReference<>(n -> false);
  private final ConcurrentHashMap<String, AtomicInteger> served = new ConcurrentHashMap<>();

  private int backend(String name) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      served.computeIfAbsent(name, n -> new AtomicInteger()).incrementAndGet();
      int status = 200;
      if (path.startsWith("/flaky") || path.startsWith("/fragile")) {
        status = failing.get().test(attempts.getAndIncrement()) ? 500 : 200;
      } else if (path.startsWith("/slow")) {
        try {
          Thread.sleep(3_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      } else if (path.startsWith("/missing")) {
        status = 404;
      }
      byte[] body = (name + " " + path).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    servers.add(server);
    return server.getAddress().getPort();
  }

  private static String profile(int apiWeight, int canaryWeight) {
    return """
        ---
        apiVersion: linkerd.io/v1alpha2
        kind: ServiceProfile
        metadata: {name: api.shop.svc.cluster.local, namespace: shop}
        spec:
          routes:
          - name: GET /books/{id}
            condition: {method: GET, pathRegex: '/books/[^/]+'}
          - name: GET /missing
            condition: {method: GET, pathRegex: /missing}
            responseClasses:
            - condition: {status: {min: 404, max: 404}}
              isFailure: true
          - name: /flaky
            condition: {pathRegex: '/flaky(/.*)?'}
            isRetryable: true
          - name: /fragile
            condition: {pathRegex: '/fragile(/.*)?'}
          - name: GET /slow
            condition: {method: GET, pathRegex: /slow}
            timeout: 500ms
        """ + (apiWeight + canaryWeight == 0 ? "" : """
          dstOverrides:
          - {authority: api.shop.svc.cluster.local:80, weight: %d}
          - {authority: canary.shop.svc.cluster.local:80, weight: %d}
        """.formatted(apiWeight, canaryWeight));
  }

  private String manifest(int apiWeight, int canaryWeight) throws IOException {
    return LocalMesh.apiService() + """
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: canary, namespace: shop}
        spec:
          selector: {app: canary}
          ports: [{name: http, port: 80, targetPort: http}]
        """ + LocalMesh.loopbackPod("api-1", "api", apiPort) + LocalMesh.loopbackPod("canary-1", "canary", canaryPort) + profile(apiWeight, canaryWeight)
        + (rpcPort == 0 ? "" : """
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: rpc, namespace: shop}
        spec:
          selector: {app: rpc}
          ports: [{name: grpc, port: 80, targetPort: grpc}]
        """ + LocalMesh.loopbackPod("rpc-1", "rpc", rpcPort).replace("name: http", "name: grpc"));
  }

  private int apiPort;
  private int canaryPort;
  private int rpcPort;

  @BeforeEach
  void start() throws IOException {
    apiPort = backend("api");
    canaryPort = backend("canary");
    Files.writeString(manifests.resolve("shop.yaml"), manifest(0, 0));
    mesh = OutboundMesh.start(manifests, FAILFAST, metrics);
  }

  @AfterEach
  void stop() {
    servers.forEach(s -> s.stop(0));
    mesh.close();
  }

  private HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(request(path), HttpResponse.BodyHandlers.ofString());
  }

  private HttpRequest request(String path) {
    return HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.port() + path)).header("l5d-dst-override", API)
        .timeout(PATIENCE).build();
  }

  /** Waits until the proxy routes by the profile: the missing route classifies 404 as a failure. */
  private void awaitProfile() {
    await().atMost(PATIENCE).until(() -> {
      get("/missing");
      return metrics.scrape().contains("rt_route=\"GET /missing\"");
    });
  }

  /** {@code count} requests for {@code path}, sent at {@code perSecond} whatever their answers take; their statuses. */
  private List<Integer> paced(String path, int count, int perSecond) {
    long start = System.nanoTime();
    long interval = 1_000_000_000L / perSecond;
    List<CompletableFuture<Integer>> answers = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      long due = start + i * interval;
      long wait = due - System.nanoTime();
      if (wait > 0) {
        java.util.concurrent.locks.LockSupport.parkNanos(wait);
      }
      answers.add(client.sendAsync(request(path), HttpResponse.BodyHandlers.discarding()).thenApply(HttpResponse::statusCode));
    }
    return answers.stream().map(CompletableFuture::join).toList();
  }

  private static double successRate(List<Integer> statuses) {
    return statuses.stream().filter(s -> s == 200).count() / (double) statuses.size();
  }

  /** The value of {@code family}'s series with all of {@code labels} ({@code name=value}, ...), or -1 when there is none. */
  private double metric(String family, String... labels) {
    for (String line : metrics.scrape().split("\n")) {
      if (line.startsWith(family + "{") && java.util.Arrays.stream(labels).allMatch(l -> {
        int eq = l.indexOf('=');
        return line.contains(l.substring(0, eq) + "=\"" + l.substring(eq + 1) + "\"");
      })) {
        return Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
      }
    }
    return -1;
  }

  @Test
  void routesMatchByMethodAndPathAndClassifyByTheirResponseClasses() throws Exception {
    awaitProfile();
    assertThat(get("/books/12").statusCode()).isEqualTo(200);
    assertThat(get("/books/12?x=1").statusCode()).isEqualTo(200);
    // Not the route's method, not the whole path: the default route.
    client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.port() + "/books/12")).header("l5d-dst-override", API)
        .DELETE().build(), HttpResponse.BodyHandlers.discarding());
    assertThat(get("/books/12/reviews").statusCode()).isEqualTo(200);
    assertThat(get("/missing").statusCode()).isEqualTo(404);

    assertThat(metric("route_request_total", "dst=" + API, "rt_route=GET /books/{id}")).isEqualTo(2);
    assertThat(metric("route_request_total", "dst=" + API, "rt_route=")).as("the default route").isEqualTo(2);
    // The route's class says a 404 is a failure; the default classification would say success.
    assertThat(metric("route_response_total", "rt_route=GET /missing", "status_code=404", "classification=failure")).isPositive();
    assertThat(metric("route_response_latency_ms_bucket", "rt_route=GET /books/{id}", "status_code=200", "le=+Inf")).isEqualTo(2);
    assertThat(metric("route_actual_request_total", "rt_route=GET /books/{id}")).isEqualTo(2);
  }

  @Test
  void retriesLiftTheSuccessRateWithinTheBudget() throws Exception {
    awaitProfile();
    // Three attempts in ten fail, whichever route they are on.
    failing.set(n -> n % 10 == 0 || n % 10 == 3 || n % 10 == 6);
    long start = System.nanoTime();
    int before = attempts.get();
    List<Integer> retried = paced("/flaky", 300, 100);
    int flakyAttempts = attempts.get() - before;
    double seconds = (System.nanoTime() - start) / 1e9;
    List<Integer> notRetried = paced("/fragile", 300, 100);

    assertThat(successRate(notRetried)).as("without retries").isBetween(0.6, 0.8);
    assertThat(successRate(retried)).as("with retries").isGreaterThan(0.9);
    int retries = flakyAttempts - retried.size();
    assertThat(retries).isPositive().isLessThanOrEqualTo((int) (RETRY_RATIO * retried.size() + FREE_RETRIES_PER_SECOND * (seconds + 1)));
    // Effective numbers are what the caller saw; actual ones count each attempt.
    assertThat(metric("route_actual_request_total", "rt_route=/flaky") - metric("route_request_total", "rt_route=/flaky"))
        .isEqualTo(retries);
  }

  @Test
  void whenEverythingFailsRetriesAddNoMoreThanTheBudget() throws Exception {
    awaitProfile();
    failing.set(n -> true);
    long start = System.nanoTime();
    int before = attempts.get();
    List<Integer> statuses = paced("/flaky", 300, 100);
    double seconds = (System.nanoTime() - start) / 1e9;
    int retries = attempts.get() - before - statuses.size();

    assertThat(statuses).containsOnly(500);
    // 20 % of the requests plus 10 a second (one second's worth from the start), however fast they fail.
    assertThat(retries).isPositive().isLessThanOrEqualTo((int) (RETRY_RATIO * statuses.size() + FREE_RETRIES_PER_SECOND * (seconds + 1)));
    assertThat(metric("route_retryable_total", "rt_route=/flaky", "skipped=no_budget")).isPositive();
  }

  @Test
  void aRouteTimeoutAnswers504AtItsValue() throws Exception {
    awaitProfile();
    get("/books/warm");
    long start = System.nanoTime();
    HttpResponse<String> response = get("/slow");
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(response.statusCode()).isEqualTo(504);
    assertThat(response.headers().firstValue("l5d-proxy-error")).contains("response timeout");
    assertThat(elapsedMs).as("the route's 500 ms timeout, within 10 %%").isBetween(450L, 550L);
    assertThat(metric("route_response_total", "rt_route=GET /slow", "status_code=504", "classification=failure")).isEqualTo(1);
  }

  @Test
  void aGrpcCallersDeadlineEndsItWithDeadlineExceeded() throws Exception {
    // A gRPC server (HTTP/2) that takes 3 s to answer; the caller gives it 300 ms.
    rpcPort = Http.get(mesh.system()).newServerAt("127.0.0.1", 0)
        .bind((org.apache.pekko.japi.function.Function<org.apache.pekko.http.javadsl.model.HttpRequest,
            java.util.concurrent.CompletionStage<org.apache.pekko.http.javadsl.model.HttpResponse>>) request -> CompletableFuture.supplyAsync(() -> org.apache.pekko.http.javadsl.model.HttpResponse.create()
                .withEntity(ContentTypes.parse("application/grpc"), new byte[0]).addHeader(RawHeader.create("grpc-status", "0")),
            CompletableFuture.delayedExecutor(3, TimeUnit.SECONDS)))
        .toCompletableFuture().join().localAddress().getPort();
    Files.writeString(manifests.resolve("shop.yaml"), manifest(0, 0));
    String rpc = "rpc.shop.svc.cluster.local:80";
    await().atMost(PATIENCE).until(() -> mesh.discovery().resolve(rpc).endpoints().size() == 1);

    long start = System.nanoTime();
    Process curl = new ProcessBuilder("curl", "-s", "-i", "--http2-prior-knowledge", "--max-time", "30", "-X", "POST",
        "-H", "l5d-dst-override: " + rpc, "-H", "content-type: application/grpc", "-H", "grpc-timeout: 300m",
        "--data-binary", "", "http://127.0.0.1:" + mesh.port() + "/shop.Rpc/Slow").redirectErrorStream(true).start();
    String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(curl.waitFor()).as(out).isZero();
    assertThat(out).startsWith("HTTP/2 200").containsIgnoringCase("grpc-status: 4").containsIgnoringCase("grpc-message: response timeout");
    assertThat(elapsedMs).as("answered at the caller's deadline, not the server's 3 s").isLessThan(2_000);
  }

  @Test
  void aWeightedSplitHoldsItsRatioAndShiftsUnderLoadWithoutErrors() throws Exception {
    Files.writeString(manifests.resolve("shop.yaml"), manifest(900, 100));
    await().atMost(PATIENCE).until(() -> {
      get("/warm");
      return served.containsKey("canary");
    });
    served.clear();
    List<Integer> statuses = concurrently("/split", 10_000, 16, () -> false);
    assertThat(statuses).containsOnly(200);
    double canary = served("canary") / 10_000.0;
    assertThat(canary).as("the canary's share of 10,000 requests").isBetween(0.08, 0.12);

    // The weights flip while requests flow: none fails, and the share moves to the new weights.
    served.clear();
    AtomicInteger canaryMark = new AtomicInteger(-1);
    AtomicInteger apiMark = new AtomicInteger();
    CompletableFuture<List<Integer>> load = new CompletableFuture<>();
    // Requests go on until 2,000 have been served since the flip took hold.
    Thread.ofPlatform().start(() -> load.complete(concurrently("/shift", 100_000, 8,
        () -> canaryMark.get() >= 0 && served("canary") - canaryMark.get() + served("api") - apiMark.get() >= 2_000)));
    await().atMost(PATIENCE).until(() -> served("api") + served("canary") > 1_000);
    Files.writeString(manifests.resolve("shop.yaml"), manifest(100, 900));
    await().atMost(PATIENCE).until(() -> served("canary") > 1_500);
    apiMark.set(served("api"));
    canaryMark.set(served("canary"));
    assertThat(load.get(PATIENCE.toSeconds(), TimeUnit.SECONDS)).containsOnly(200);
    int canaryAfter = served("canary") - canaryMark.get();
    int apiAfter = served("api") - apiMark.get();
    assertThat(canaryAfter / (double) (canaryAfter + apiAfter)).as("the canary's share after the flip").isBetween(0.85, 0.95);
  }

  private int served(String backend) {
    AtomicInteger count = served.get(backend);
    return count == null ? 0 : count.get();
  }

  /** {@code count} requests, at most {@code parallel} at once (stopping once {@code enough} says so); their statuses. */
  private List<Integer> concurrently(String path, int count, int parallel, java.util.function.BooleanSupplier enough) {
    Semaphore slots = new Semaphore(parallel);
    List<CompletableFuture<Integer>> answers = new ArrayList<>();
    for (int i = 0; i < count && !enough.getAsBoolean(); i++) {
      slots.acquireUninterruptibly();
      answers.add(client.sendAsync(request(path), HttpResponse.BodyHandlers.discarding())
          .thenApply(HttpResponse::statusCode).whenComplete((s, e) -> slots.release()));
    }
    return answers.stream().map(f -> f.exceptionally(e -> -1).join()).toList();
  }
}
