package io.weft.proxy.outbound;

import com.sun.net.httpserver.HttpServer;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.OutboundMesh;
import io.weft.proxy.metrics.ProxyMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
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
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * HTTPRoutes whose parent is a Service, through the real control plane (local cluster) and the
 * outbound proxy, with the examples of Linkerd's documentation: a header-based A/B route (podinfo's
 * {@code x-request-id: alternative}; with a method, as a method match outranks header matches in
 * the Gateway API's precedence), booksapp-style method and path-prefix matches, header
 * modifiers, a redirect, a rule's backendRequest timeout, a weighted split (faces' smiley split)
 * changed while the proxy runs, and a request no rule matches answered 404.
 */
class HttpRouteTest {
  private static final Duration FAILFAST = Duration.ofSeconds(3);
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String API = "api.shop.svc.cluster.local:80";
  /** Longer than the test discovery's idle timeout and its sweep together. */
  private static final Duration IDLE_OUTLIVED = Duration.ofSeconds(10);
  /** How long the backends take to answer /slow. */
  private static final Duration SLOW = Duration.ofSeconds(3);

  @TempDir Path manifests;
  private HttpServer v1;
  private HttpServer v2;
  private OutboundMesh mesh;
  private ProxyMetrics metrics;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** A backend answering its name, and the {@code x-route} header it was sent, if any. */
  private static HttpServer backend(String name) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", exchange -> {
      if (exchange.getRequestURI().getPath().equals("/slow")) {
        try {
          Thread.sleep(SLOW.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      String route = exchange.getRequestHeaders().getFirst("x-route");
      byte[] body = (name + (route == null ? "" : " " + route)).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    return server;
  }

  private String services() {
    return LocalMesh.apiService() + LocalMesh.loopbackPod("api-0", v1.getAddress().getPort()) + """
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: api-v2, namespace: shop}
        spec:
          selector: {app: api-v2}
          ports: [{name: http, port: 80, targetPort: http}]
        """ + LocalMesh.loopbackPod("api-v2-0", "api-v2", v2.getAddress().getPort());
  }

  private static final String ROUTES = """
      apiVersion: policy.linkerd.io/v1beta3
      kind: HTTPRoute
      metadata: {name: api-routes, namespace: shop}
      spec:
        parentRefs: [{name: api, kind: Service, group: core, port: 80}]
        rules:
        - matches:
          - headers: [{name: x-request-id, value: alternative}]
            method: GET
          backendRefs: [{name: api-v2, port: 80}]
        - matches:
          - path: {type: Exact, value: /old}
          filters:
          - type: RequestRedirect
            requestRedirect: {path: {type: ReplaceFullPath, replaceFullPath: /new}, statusCode: 302}
        - matches:
          - path: {value: /authors/}
            method: GET
          - path: {value: /authors.json}
            method: GET
          filters:
          - type: RequestHeaderModifier
            requestHeaderModifier: {set: [{name: x-route, value: authors}]}
          - type: ResponseHeaderModifier
            responseHeaderModifier: {add: [{name: x-served-by, value: weft}]}
          backendRefs: [{name: api, port: 80}]
        - matches:
          - path: {type: Exact, value: /slow}
          backendRefs: [{name: api, port: 80}]
          timeouts: {request: 2s, backendRequest: 400ms}
        - matches:
          - path: {type: PathPrefix, value: /}
            method: GET
          backendRefs: [{name: api, port: 80}]
      """;

  private static String split(int v1Weight, int v2Weight) {
    return """
        apiVersion: policy.linkerd.io/v1beta3
        kind: HTTPRoute
        metadata: {name: api-routes, namespace: shop}
        spec:
          parentRefs: [{name: api, kind: Service, group: core, port: 80}]
          rules:
          - backendRefs:
            - {name: api, port: 80, weight: %d}
            - {name: api-v2, port: 80, weight: %d}
        """.formatted(v1Weight, v2Weight);
  }

  @BeforeEach
  void start() throws IOException {
    v1 = backend("v1");
    v2 = backend("v2");
    Files.writeString(manifests.resolve("shop.yaml"), services());
    Files.writeString(manifests.resolve("routes.yaml"), ROUTES);
    metrics = new ProxyMetrics();
    mesh = OutboundMesh.start(manifests, FAILFAST, metrics);
  }

  @AfterEach
  void stop() {
    v1.stop(0);
    v2.stop(0);
    mesh.close();
  }

  private HttpResponse<String> send(String method, String path, String... headers) throws Exception {
    HttpRequest.Builder request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.port() + path))
        .header("l5d-dst-override", API).timeout(PATIENCE).method(method, HttpRequest.BodyPublishers.noBody());
    for (int i = 0; i < headers.length; i += 2) {
      request.header(headers[i], headers[i + 1]);
    }
    return client.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  private void awaitRoutes() {
    await().atMost(PATIENCE).until(() -> send("GET", "/", "x-request-id", "alternative").body().equals("v2"));
  }

  @Test
  void matchesAndFiltersBehaveAsLinkerdDocumentsThem() throws Exception {
    awaitRoutes();
    assertThat(send("GET", "/").body()).as("no header: the catch-all rule").isEqualTo("v1");

    HttpResponse<String> redirect = send("GET", "/old");
    assertThat(redirect.statusCode()).isEqualTo(302);
    assertThat(redirect.headers().firstValue("location")).contains("http://127.0.0.1:" + mesh.port() + "/new");

    HttpResponse<String> author = send("GET", "/authors/7");
    assertThat(author.body()).isEqualTo("v1 authors");
    assertThat(author.headers().firstValue("x-served-by")).contains("weft");
    assertThat(send("GET", "/authors.json").body()).isEqualTo("v1 authors");
    assertThat(send("GET", "/authorsX").body()).as("a prefix matches whole path segments").isEqualTo("v1");
    assertThat(send("GET", "/authors/7", "x-route", "client").body()).as("set replaces the caller's value").isEqualTo("v1 authors");

    long slowStart = System.nanoTime();
    HttpResponse<String> slow = send("GET", "/slow");
    long slowMs = (System.nanoTime() - slowStart) / 1_000_000;
    assertThat(slow.statusCode()).isEqualTo(504);
    assertThat(slow.headers().firstValue("l5d-proxy-error")).contains("response timeout");
    assertThat(slowMs).as("the rule's 400 ms backendRequest timeout, within 10 %%").isBetween(360L, 440L);

    HttpResponse<String> delete = send("DELETE", "/authors/7");
    assertThat(delete.statusCode()).as("no rule takes DELETE").isEqualTo(404);
    assertThat(delete.headers().firstValue("l5d-proxy-error")).contains("no route found");

    String scrape = metrics.scrape();
    assertThat(scrape).contains("outbound_http_route_request_statuses_total{")
        .containsPattern("outbound_http_route_backend_requests_total\\{[^}]*backend_name=\"api-v2\"[^}]*route_name=\"api-routes\"[^}]*} [1-9]")
        .containsPattern("outbound_http_route_request_statuses_total\\{[^}]*http_status=\"302\"[^}]*parent_name=\"api\"[^}]*} 1");
  }

  @Test
  void aWeightedSplitHoldsItsRatioAndMovesWhenTheRouteChanges() throws Exception {
    awaitRoutes();
    Files.writeString(manifests.resolve("routes.yaml"), split(3, 1));
    await().atMost(PATIENCE).until(() -> send("GET", "/", "x-request-id", "alternative").statusCode() == 200
        && send("GET", "/old").statusCode() == 200);
    int toV2 = 0;
    int total = 2_000;
    for (int i = 0; i < total; i++) {
      HttpResponse<String> response = send("GET", "/");
      assertThat(response.statusCode()).isEqualTo(200);
      toV2 += response.body().equals("v2") ? 1 : 0;
    }
    assertThat((double) toV2 / total).as("a quarter to api-v2, within 4 points (over 10 sigma is ~1 point)").isBetween(0.21, 0.29);

    Files.writeString(manifests.resolve("routes.yaml"), split(0, 1));
    awaitAll("v2");

    // All traffic goes to another Service now, so only the requests themselves keep the parent's
    // policy followed: past discovery's idle timeout (5 s here, swept every 2.5 s) a change must
    // still arrive.
    long until = System.nanoTime() + IDLE_OUTLIVED.toNanos();
    while (System.nanoTime() < until) {
      assertThat(send("GET", "/").body()).isEqualTo("v2");
    }
    Files.writeString(manifests.resolve("routes.yaml"), split(1, 0));
    awaitAll("v1");
  }

  /** Waits until 50 requests in a row reach {@code backend}. */
  private void awaitAll(String backend) {
    await().atMost(PATIENCE).until(() -> {
      for (int i = 0; i < 50; i++) {
        if (!send("GET", "/").body().equals(backend)) {
          return false;
        }
      }
      return true;
    });
  }
}
