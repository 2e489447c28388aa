package io.weft.proxy.outbound;

import com.sun.net.httpserver.HttpServer;
import io.weft.actors.ControlPlane;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.discovery.Discovery;
import io.weft.proxy.discovery.Resolution;
import io.weft.proxy.metrics.ProxyMetrics;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** curl → outbound proxy → two HTTP backends found through a real control plane. */
class OutboundHttpTest {
  private static final Duration FAILFAST = Duration.ofMillis(300);

  @TempDir Path manifests;
  private final List<HttpServer> backends = new ArrayList<>();
  private ControlPlane controlPlane;
  private ActorSystem<Void> proxySystem;
  private Discovery discovery;
  private int proxyPort;
  private final ProxyMetrics metrics = new ProxyMetrics();

  /** Each backend's service time, injected in-process; tests may change it. */
  private final Map<String, java.util.concurrent.atomic.AtomicReference<Duration>> latency = new java.util.concurrent.ConcurrentHashMap<>();
  /** The backends handling a request right now. */
  private final java.util.Set<String> serving = java.util.concurrent.ConcurrentHashMap.newKeySet();
  /** Requests each backend's handler began, and answered in full. */
  private final Map<String, java.util.concurrent.atomic.AtomicInteger> began = new java.util.concurrent.ConcurrentHashMap<>();
  private final Map<String, java.util.concurrent.atomic.AtomicInteger> answered = new java.util.concurrent.ConcurrentHashMap<>();

  private HttpServer backend(String name, Duration serviceTime) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    latency.put(name, new java.util.concurrent.atomic.AtomicReference<>(serviceTime));
    server.setExecutor(java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor());
    began.put(name, new java.util.concurrent.atomic.AtomicInteger());
    answered.put(name, new java.util.concurrent.atomic.AtomicInteger());
    server.createContext("/", exchange -> {
      began.get(name).incrementAndGet();
      serving.add(name);
      try {
        Thread.sleep(latency.get(name).get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      } finally {
        serving.remove(name);
      }
      byte[] body = (name + " " + exchange.getRequestURI().getPath() + " host=" + exchange.getRequestHeaders().getFirst("Host"))
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
      answered.get(name).incrementAndGet();
    });
    server.start();
    backends.add(server);
    return server;
  }

  @BeforeEach
  void start() throws IOException {
    HttpServer a = backend("a", Duration.ofMillis(300));
    HttpServer b = backend("b", Duration.ZERO);
    Files.writeString(manifests.resolve("shop.yaml"), LocalMesh.apiService() + """
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: empty, namespace: shop}
        spec:
          selector: {app: nothing}
          ports: [{name: http, port: 80, targetPort: 8080}]
        """ + LocalMesh.loopbackPod("api-a", a.getAddress().getPort()) + LocalMesh.loopbackPod("api-b", b.getAddress().getPort()));
    int destinationPort = LocalMesh.freePort();
    controlPlane = LocalMesh.controlPlane(manifests, destinationPort);
    proxySystem = LocalMesh.proxySystem();
    discovery = LocalMesh.discovery(proxySystem, destinationPort, FAILFAST);
    proxyPort = LocalMesh.outboundProxy(proxySystem, discovery, FAILFAST, metrics);
  }

  @AfterEach
  void stop() {
    backends.forEach(s -> s.stop(0));
    discovery.close();
    proxySystem.terminate();
    controlPlane.close();
  }

  /** Runs curl through the proxy; returns status, headers and body as curl prints them with -i. */
  private String curl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("curl", "-s", "-i", "--max-time", "30"));
    command.addAll(List.of(args));
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("curl exit status, output: %s", out).isZero();
    return out;
  }

  private String url(String path) {
    return "http://127.0.0.1:" + proxyPort + path;
  }

  @Test
  void requestsGoToTheServicesEndpointsAndAvoidTheSlowOne() throws Exception {
    // Warm each endpoint's connection pool first (addressing the pods by IP through the proxy), so a
    // cold first connection does not make the fast endpoint's first sample look slow.
    for (HttpServer backend : backends) {
      String pod = "Host: 127.0.0.1:" + backend.getAddress().getPort();
      await().atMost(Duration.ofSeconds(30)).until(() -> curl("-H", pod, url("/warm")).startsWith("HTTP/1.1 200"));
    }
    await().atMost(Duration.ofSeconds(30)).until(() -> curl("-H", "Host: api.shop", url("/hello")).contains("200"));
    Map<String, Integer> byBackend = new HashMap<>();
    for (int i = 0; i < 30; i++) {
      String response = curl("-H", "Host: api.shop", url("/hello"));
      assertThat(response).startsWith("HTTP/1.1 200").contains(" /hello host=api.shop");
      String body = response.substring(response.lastIndexOf("\r\n\r\n") + 4);
      byBackend.merge(body.substring(0, 1), 1, Integer::sum);
    }
    assertThat(byBackend.keySet()).isSubsetOf("a", "b");
    // Peak-EWMA: once the 300 ms endpoint has answered, its cost stays above the fast one's for
    // far longer than this test runs (it decays over ~10 s windows).
    assertThat(byBackend.getOrDefault("b", 0)).isGreaterThanOrEqualTo(28);

    // Linkerd's metric families, with the destination's labels from discovery.
    String scrape = metrics.scrape();
    assertThat(scrape).containsPattern("request_total\\{[^}]*authority=\"api.shop.svc.cluster.local:80\"[^}]*dst_namespace=\"shop\""
        + "[^}]*dst_pod=\"api-b\"[^}]*dst_service=\"api\"[^}]*} (2[89]|[3-9]\\d)\\.0");
    assertThat(scrape).containsPattern("response_total\\{[^}]*classification=\"success\"[^}]*status_code=\"200\"[^}]*}");
    assertThat(scrape).containsPattern("response_latency_ms_bucket\\{[^}]*dst_pod=\"api-a\"[^}]*le=\"300.0\"[^}]*} 0");
    assertThat(scrape).containsPattern("response_latency_ms_bucket\\{[^}]*dst_pod=\"api-a\"[^}]*le=\"400.0\"[^}]*} [1-9]");
    // l5d-dst-override wins over Host, and is not passed on.
    assertThat(curl("-H", "Host: elsewhere.example", "-H", "l5d-dst-override: api.shop.svc.cluster.local:80", url("/x")))
        .startsWith("HTTP/1.1 200").contains(" /x host=elsewhere.example").doesNotContain("l5d-dst-override");
  }

  @Test
  void aServiceWithoutEndpointsFailsFastTheLinkerdWay() throws Exception {
    String http = curl("-H", "Host: empty.shop", url("/"));
    assertThat(http).startsWith("HTTP/1.1 504").containsIgnoringCase("l5d-proxy-error: service in fail-fast");
    String grpc = curl("-X", "POST", "--data-binary", "", "-H", "Host: empty.shop", "-H", "content-type: application/grpc",
        url("/shop.Api/Get"));
    assertThat(grpc).startsWith("HTTP/1.1 200").containsIgnoringCase("grpc-status: 4")
        .containsIgnoringCase("grpc-message: service in fail-fast");
    // Synthesized answers are counted as failures: a 504, and a gRPC 200 whose grpc-status is not OK.
    assertThat(metrics.scrape())
        .containsPattern("response_total\\{[^}]*authority=\"empty.shop.svc.cluster.local:80\"[^}]*classification=\"failure\"[^}]*status_code=\"504\"[^}]*} 1.0")
        .containsPattern("response_total\\{[^}]*authority=\"empty.shop.svc.cluster.local:80\"[^}]*classification=\"failure\"[^}]*status_code=\"200\"[^}]*} 1.0");
  }

  @Test
  void aNameThatIsNotAServiceIsReachedAsAddressed() throws Exception {
    // No such Service: the control plane says so and the proxy falls back to the name itself,
    // which here does not resolve, so the answer is the proxy's 502 rather than a fail-fast 504.
    String response = curl("-H", "Host: nope.shop", url("/"));
    assertThat(response).startsWith("HTTP/1.1 502").containsIgnoringCase("l5d-proxy-error: connection failed");
  }

  @Test
  void anEndpointRemovedMidRequestFinishesItsRequestAndGetsNoMore() throws Exception {
    await().atMost(Duration.ofSeconds(30)).until(() -> curl("-H", "Host: api.shop", url("/")).contains("200"));
    latency.values().forEach(l -> l.set(Duration.ofSeconds(1)));
    var inFlight = new java.util.concurrent.CompletableFuture<String>();
    Thread.ofPlatform().start(() -> {
      try {
        inFlight.complete(curl("-H", "Host: api.shop", url("/slow")));
      } catch (Exception e) {
        inFlight.completeExceptionally(e);
      }
    });
    // While one backend is serving it, that pod leaves the Service.
    await().atMost(Duration.ofSeconds(30)).until(() -> !serving.isEmpty());
    String busy = serving.iterator().next();
    String other = busy.equals("a") ? "b" : "a";
    String manifest = Files.readString(manifests.resolve("shop.yaml"));
    Files.writeString(manifests.resolve("shop.yaml"), manifest.replace("name: api-" + busy + ", namespace: shop, labels: {app: api}",
        "name: api-" + busy + ", namespace: shop, labels: {app: retired}"));
    Resolution api = discovery.resolve("api.shop.svc.cluster.local:80");
    await().atMost(Duration.ofSeconds(30)).until(() -> api.endpoints().size() == 1);
    // The request already on it completes; new ones only go to what remains.
    assertThat(inFlight.get(30, java.util.concurrent.TimeUnit.SECONDS)).startsWith("HTTP/1.1 200").contains(busy + " /slow");
    latency.values().forEach(l -> l.set(Duration.ZERO));
    for (int i = 0; i < 5; i++) {
      assertThat(curl("-H", "Host: api.shop", url("/after"))).startsWith("HTTP/1.1 200").contains(other + " /after");
    }
  }

  @Test
  void proxyingDoesNotDependOnTheJdkCommonPool() throws Exception {
    await().atMost(Duration.ofSeconds(30)).until(() -> curl("-H", "Host: api.shop", url("/")).contains("200"));
    // Occupy every worker of the common pool, as blocking application code might.
    var release = new java.util.concurrent.CountDownLatch(1);
    int workers = java.util.concurrent.ForkJoinPool.getCommonPoolParallelism();
    var blocked = new java.util.concurrent.CountDownLatch(workers);
    for (int i = 0; i < workers; i++) {
      java.util.concurrent.ForkJoinPool.commonPool().execute(() -> {
        blocked.countDown();
        try {
          release.await();
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      });
    }
    try {
      assertThat(blocked.await(30, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      for (int i = 0; i < 5; i++) {
        assertThat(curl("-H", "Host: api.shop", url("/busy-jvm"))).startsWith("HTTP/1.1 200");
      }
    } finally {
      release.countDown();
    }
  }

  @Test
  void anEndpointThatIsGoneAnswers502NotAHang() throws Exception {
    await().atMost(Duration.ofSeconds(30)).until(() -> curl("-H", "Host: api.shop", url("/")).contains("200"));
    backends.forEach(s -> s.stop(0));
    String response = curl("-H", "Host: api.shop", url("/"));
    assertThat(response).startsWith("HTTP/1.1 502").containsIgnoringCase("l5d-proxy-error: connection failed");
  }

  @Test
  void anEndpointKilledMidRunCostsOnlyTheRequestsInFlightOnIt() throws Exception {
    latency.values().forEach(l -> l.set(Duration.ofMillis(5))); // equally fast, so both share the load
    await().atMost(Duration.ofSeconds(30)).until(() -> curl("-H", "Host: api.shop", url("/")).contains("200"));
    var client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url("/load")))
        .header("l5d-dst-override", "api.shop.svc.cluster.local:80").build();
    var ok = new java.util.concurrent.atomic.AtomicInteger();
    var failed = new java.util.concurrent.atomic.AtomicInteger();
    var failures = new java.util.concurrent.ConcurrentLinkedQueue<String>();
    var stop = new java.util.concurrent.atomic.AtomicBoolean();
    List<Thread> callers = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      callers.add(Thread.ofPlatform().start(() -> {
        while (!stop.get()) {
          try {
            var response = client.send(request, java.net.http.HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() == 200) {
              ok.incrementAndGet();
            } else {
              failed.incrementAndGet();
              failures.add(response.statusCode() + " " + response.headers().map() + " " + response.body());
            }
          } catch (IOException e) {
            failed.incrementAndGet();
            failures.add(e.toString());
          } catch (InterruptedException e) {
            return;
          }
        }
      }));
    }
    // Both endpoints are busy with the load; then "a" dies while discovery still lists it.
    await().atMost(Duration.ofSeconds(30)).until(() -> answered.get("a").get() > 5 && answered.get("b").get() > 5);
    backends.getFirst().stop(0);
    int okAtKill = ok.get();
    await().atMost(Duration.ofSeconds(60)).until(() -> ok.get() > okAtKill + 300);
    stop.set(true);
    for (Thread caller : callers) {
      caller.join();
    }
    // At most the requests its handler had begun and not answered could be lost, and none after.
    int inFlightOnA = began.get("a").get() - answered.get("a").get();
    assertThat(failed.get()).as("failed requests %s; %d were in flight on the killed endpoint", failures, inFlightOnA)
        .isLessThanOrEqualTo(inFlightOnA);
    assertThat(discovery.resolve("api.shop.svc.cluster.local:80").endpoints()).hasSize(2); // still listed
  }

  @Test
  void aBurstOfConcurrentHttp1RequestsIsNotCappedByThePool() throws Exception {
    await().atMost(Duration.ofSeconds(30)).until(() -> curl("-H", "Host: api.shop", url("/")).contains("200"));
    latency.values().forEach(l -> l.set(Duration.ofMillis(200)));
    var client = java.net.http.HttpClient.newBuilder().version(java.net.http.HttpClient.Version.HTTP_1_1).build();
    var request = java.net.http.HttpRequest.newBuilder(java.net.URI.create(url("/burst")))
        .header("l5d-dst-override", "api.shop.svc.cluster.local:80").build();
    // HTTP/1.1 has one request per connection at a time: 100 at once need 100 upstream connections.
    var responses = java.util.stream.IntStream.range(0, 100)
        .mapToObj(i -> client.sendAsync(request, java.net.http.HttpResponse.BodyHandlers.ofString())).toList();
    for (var response : responses) {
      assertThat(response.get(60, java.util.concurrent.TimeUnit.SECONDS).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void aConnectionThatIsNeitherHttpNorInterceptedIsClosed() throws Exception {
    // Addressed to 4140 directly, opaque bytes have nowhere to go: closed, not hung, not relayed.
    try (java.net.Socket s = new java.net.Socket("127.0.0.1", proxyPort)) {
      s.setSoTimeout(30_000);
      s.getOutputStream().write(new byte[] {0, 1, 2, 3, 'x'});
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    await().atMost(Duration.ofSeconds(30)).until(() ->
        metrics.scrape().matches("(?s).*tcp_close_total\\{[^}]*direction=\"outbound\"[^}]*} 1\\.0.*"));
    assertThat(metrics.scrape()).contains("tcp_protocol_detected_total{direction=\"outbound\",protocol=\"opaque\"} 1.0");
  }

  @Test
  void aRequestAddressedToTheProxyItselfIsRefusedNotLooped() throws Exception {
    String looped = curl("-H", "Host: 127.0.0.1:" + proxyPort, url("/me"));
    assertThat(looped).startsWith("HTTP/1.1 508").containsIgnoringCase("l5d-proxy-error: gateway loop detected");
    assertThat(curl("-H", "Host: localhost:" + proxyPort, url("/me"))).startsWith("HTTP/1.1 508");
    // ... and it keeps serving.
    await().atMost(Duration.ofSeconds(30)).until(() -> curl("-H", "Host: api.shop", url("/")).startsWith("HTTP/1.1 200"));
  }
}
