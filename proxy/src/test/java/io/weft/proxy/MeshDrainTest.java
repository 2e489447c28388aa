package io.weft.proxy;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A meshed pod's proxy stopping (as on SIGTERM) while another pod's proxy holds an mTLS HTTP/2
 * connection to it with a request in flight: the request is answered, and the stop ends once that
 * connection is done — the server's GOAWAY through TLS lets the peer close it — not after the grace
 * period (Linkerd's default two minutes, which this mesh keeps).
 */
class MeshDrainTest {
  private static final String WEB_IP = "127.0.0.61";
  private static final String CLIENT_IP = "127.0.0.62";
  private static final int APP_PORT = 8080;
  private static final String AUTHORITY = "web.shop.svc.cluster.local:80";
  /** Well under the grace period: a stop that waited for it would not end within this. */
  private static final Duration PROMPT = Duration.ofSeconds(30);

  @TempDir Path manifests;
  private RuntimeMesh mesh;
  private HttpServer app;
  private final CountDownLatch release = new CountDownLatch(1);

  @AfterEach
  void stop() {
    release.countDown();
    if (mesh != null) {
      mesh.close();
    }
    if (app != null) {
      app.stop(0);
    }
  }

  @Test
  void aStoppingProxyAnswersWhatItTookAndEndsOnceItsMeshPeerLetsGo() throws Exception {
    mesh = RuntimeMesh.startShop(manifests, WEB_IP, CLIENT_IP, List.of(new RuntimeMesh.ServicePort("http", 80, APP_PORT)));
    Semaphore held = new Semaphore(0);
    app = HttpServer.create(new InetSocketAddress(WEB_IP, APP_PORT), 0);
    app.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    app.createContext("/", exchange -> {
      if (exchange.getRequestURI().getPath().equals("/held")) {
        held.release();
        try {
          release.await(60, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      byte[] body = ("done " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.US_ASCII);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    app.start();
    ProxyRuntime web = mesh.proxy("web-0");
    ProxyRuntime client = mesh.proxy("client-0");

    // The client's proxy holds its mTLS connection to the web pod's proxy...
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions()
        .until(() -> RawHttp.get(client.outboundAddress(), AUTHORITY, "/first").startsWith("HTTP/1.1 200"));
    // ...with a request in flight on it.
    CompletableFuture<String> inFlight = CompletableFuture.supplyAsync(() -> {
      try {
        return RawHttp.get(client.outboundAddress(), AUTHORITY, "/held");
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }, Thread::startVirtualThread);
    assertThat(held.tryAcquire(30, TimeUnit.SECONDS)).as("the held request reached the application").isTrue();

    CompletableFuture<Void> stopped = CompletableFuture.runAsync(web::close, Thread::startVirtualThread);
    await().atMost(Duration.ofSeconds(20)).until(() -> LocalMesh.refuses(web.inboundAddress()));
    assertThat(stopped).as("still finishing the request in flight").isNotDone();

    release.countDown();
    assertThat(inFlight.get(30, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200").endsWith("done /held");
    stopped.get(PROMPT.toSeconds(), TimeUnit.SECONDS);
  }
}
