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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Retries and timeouts (request and idle) from a Service's {@code retry.linkerd.io/*} and {@code timeout.linkerd.io/*}
 * annotations (Linkerd 2.16's way), carried by the OutboundPolicies API to the proxy's default
 * route, with no ServiceProfile involved.
 */
class RetryAndTimeoutAnnotationsTest {
  private static final Duration FAILFAST = Duration.ofSeconds(3);
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String API = "api.shop.svc.cluster.local:80";
  private static final Duration STALL = Duration.ofSeconds(8);

  @TempDir Path manifests;
  private HttpServer server;
  private OutboundMesh mesh;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  /** Attempts at /flaky: two in three fail (the first two of each three). */
  private final AtomicInteger flakyAttempts = new AtomicInteger();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", exchange -> {
      int status = 200;
      if (exchange.getRequestURI().getPath().equals("/flaky")) {
        status = flakyAttempts.getAndIncrement() % 3 == 2 ? 200 : 503;
      } else if (exchange.getRequestURI().getPath().equals("/stall")) {
        // A head and a first chunk at once, then nothing for longer than the idle timeout.
        exchange.sendResponseHeaders(200, 0);
        exchange.getResponseBody().write("first".getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        exchange.getResponseBody().flush();
        try {
          Thread.sleep(STALL.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
        exchange.close();
        return;
      } else if (exchange.getRequestURI().getPath().equals("/slow")) {
        try {
          Thread.sleep(3_000);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      exchange.sendResponseHeaders(status, -1);
      exchange.close();
    });
    server.start();
    Files.writeString(manifests.resolve("shop.yaml"), LocalMesh.apiService().replace("metadata: {name: api, namespace: shop}", """
        metadata:
          name: api
          namespace: shop
          annotations:
            retry.linkerd.io/http: 5xx
            retry.linkerd.io/limit: "2"
            timeout.linkerd.io/request: 500ms
            timeout.linkerd.io/idle: 1s
        """.stripTrailing()) + LocalMesh.loopbackPod("api-0", server.getAddress().getPort()));
    mesh = OutboundMesh.start(manifests, FAILFAST, new ProxyMetrics());
  }

  @AfterEach
  void stop() {
    server.stop(0);
    mesh.close();
  }

  private HttpResponse<Void> get(String path) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.port() + path)).header("l5d-dst-override", API)
        .timeout(PATIENCE).build(), HttpResponse.BodyHandlers.discarding());
  }

  @Test
  void theServicesAnnotationsRetryAndTimeItsRequests() throws Exception {
    await().atMost(PATIENCE).until(() -> get("/").statusCode() == 200
        && mesh.discovery().policy(API).flatMap(p -> p.current()).isPresent());
    // Two failures then a success, each time: two retries make every request succeed.
    flakyAttempts.set(0);
    long started = System.nanoTime();
    for (int i = 0; i < 20; i++) {
      assertThat(get("/flaky").statusCode()).isEqualTo(200);
    }
    assertThat(flakyAttempts.get()).isEqualTo(60);
    // Linkerd's backoff waits at least 25 ms before a first retry and 50 ms before a second.
    assertThat(Duration.ofNanos(System.nanoTime() - started)).isGreaterThanOrEqualTo(Duration.ofMillis(20 * (25 + 50)));

    long start = System.nanoTime();
    HttpResponse<Void> slow = get("/slow");
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    assertThat(slow.statusCode()).isEqualTo(504);
    assertThat(slow.headers().firstValue("l5d-proxy-error")).contains("response timeout");
    assertThat(elapsedMs).as("the 500 ms request timeout, within 10 %%").isBetween(450L, 550L);

    // The idle timeout cuts a response body that stops flowing, long before the server would end it.
    long stallStart = System.nanoTime();
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(
            URI.create("http://127.0.0.1:" + mesh.port() + "/stall")).header("l5d-dst-override", API).timeout(PATIENCE).build(),
        HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    assertThat(Duration.ofNanos(System.nanoTime() - stallStart)).as("cut after the 1 s idle timeout, not the 8 s stall")
        .isLessThan(STALL.dividedBy(2));
  }
}
