package io.weft.proxy;

import com.sun.net.httpserver.HttpServer;
import io.weft.protocol.transport.Header;
import io.weft.protocol.transport.SessionProtocol;
import io.weft.protocol.transport.TransportHeaderCodec;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * SIGTERM to the proxy program, as Kubernetes stops a pod: it stops accepting connections, lets the
 * requests in flight finish and closes their HTTP/1 connections behind them, then exits — within its
 * grace period, quietly.
 */
class GracefulShutdownTest {
  private static final int IN_FLIGHT = 6;
  private HttpServer application;
  private ProxyProgram proxy;
  private Socket idle;
  /** Blocking readers: one thread each (the common pool may have one thread on a small machine). */
  private final java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newCachedThreadPool();

  @AfterEach
  void stop() throws InterruptedException {
    if (proxy != null) {
      proxy.close();
    }
    if (application != null) {
      application.stop(0);
    }
    if (idle != null) {
      try {
        idle.close();
      } catch (IOException ignored) {
        // closed by the proxy already
      }
    }
    clients.shutdownNow();
  }

  @Test
  void sigtermLetsTheRequestsInFlightFinishAndThenStops() throws Exception {
    // An application whose answers wait until the test lets them go.
    CountDownLatch release = new CountDownLatch(1);
    Semaphore arrived = new Semaphore(0);
    application = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    application.setExecutor(java.util.concurrent.Executors.newCachedThreadPool());
    application.createContext("/", exchange -> {
      if (exchange.getRequestURI().getPath().equals("/quick")) {
        byte[] body = "quick".getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(200, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
        return;
      }
      arrived.release();
      try {
        release.await(60, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      byte[] body = ("done " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    application.start();

    int inbound = LocalMesh.freePort();
    proxy = ProxyProgram.start(List.of(), Map.of(
        "LINKERD2_PROXY_INBOUND_LISTEN_ADDR", "127.0.0.1:" + inbound,
        // Nothing listens at the destination service: the inbound side needs no discovery.
        "LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD", "60s"));

    // An idle keep-alive connection: answered once, then quiet.
    idle = new Socket("127.0.0.1", inbound);
    idle.setSoTimeout(60_000);
    idle.getOutputStream().write(requestBytes(application.getAddress().getPort(), "/quick", true));
    String quick = readAnswer(idle.getInputStream());
    assertThat(quick).startsWith("HTTP/1.1 200").doesNotContainIgnoringCase("Connection: close");

    // Requests in flight through the inbound side (a peer's transport header names the application's port).
    List<CompletableFuture<String>> answers = new ArrayList<>();
    // The last is an opaque connection (no session protocol): the proxy relays its bytes as they are.
    for (int i = 0; i < IN_FLIGHT; i++) {
      String path = "/slow-" + i;
      boolean http = i < IN_FLIGHT - 1;
      answers.add(CompletableFuture.supplyAsync(() -> request(inbound, application.getAddress().getPort(), path, http), clients));
    }
    assertThat(arrived.tryAcquire(IN_FLIGHT, 30, TimeUnit.SECONDS)).as("every request reached the application").isTrue();

    // SIGTERM, as the kubelet sends it (Process.destroy would also close the proxy's output to us).
    assertThat(new ProcessBuilder("kill", "-TERM", Long.toString(proxy.pid())).start().waitFor()).isZero();
    // It stops accepting at once...
    await().atMost(Duration.ofSeconds(20)).until(() -> LocalMesh.refuses(new InetSocketAddress("127.0.0.1", inbound)));
    assertThat(proxy.isAlive()).as("still finishing what is in flight").isTrue();
    // The idle connection is closed at once, with a FIN: it holds nothing up.
    assertThat(idle.getInputStream().read()).isEqualTo(-1);
    // ...and every request in flight is answered once the application answers.
    release.countDown();
    for (int i = 0; i < IN_FLIGHT; i++) {
      String answer = answers.get(i).handle((a, error) -> error == null ? a : "failed: " + error).get(30, TimeUnit.SECONDS);
      assertThat(answer).as("answer %d; the proxy said:%n%s", i, proxy.output()).startsWith("HTTP/1.1 200").endsWith("done /slow-" + i);
      if (i < IN_FLIGHT - 1) {
        // The proxy's HTTP/1 server ends the connection behind its last answer.
        assertThat(answer).containsIgnoringCase("Connection: close");
      }
    }
    assertThat(proxy.exitsWithin(Duration.ofSeconds(30))).as("exits once drained").isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> proxy.output().contains("stopping:"));
    assertThat(proxy.output()).contains("stopping: no new connections; " + (IN_FLIGHT + 1) + " connection(s) open")
        .doesNotContain("ERROR").doesNotContain("Exception");
  }

  /**
   * One HTTP/1.1 request as a peer proxy sends it ({@code http}: saying so in the transport header;
   * else an opaque connection that closes after the answer), and the whole answer.
   */
  private static String request(int proxyPort, int applicationPort, String path, boolean http) {
    try (Socket socket = new Socket("127.0.0.1", proxyPort)) {
      socket.setSoTimeout(60_000);
      socket.getOutputStream().write(requestBytes(applicationPort, path, http));
      return readAll(socket.getInputStream());
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** A peer's transport header and a GET after it; an opaque connection's GET asks for the connection's end. */
  private static byte[] requestBytes(int applicationPort, String path, boolean http) throws IOException {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    Header.Builder header = Header.newBuilder().setPort(applicationPort);
    if (http) {
      header.setSessionProtocol(SessionProtocol.newBuilder().setHttp1(SessionProtocol.Http1.getDefaultInstance()));
    }
    out.write(TransportHeaderCodec.encode(header.build()));
    out.write(("GET " + path + " HTTP/1.1\r\nHost: app\r\n" + (http ? "" : "Connection: close\r\n") + "\r\n")
        .getBytes(StandardCharsets.US_ASCII));
    return out.toByteArray();
  }

  /** One answer framed by Content-Length, leaving the connection open. */
  private static String readAnswer(InputStream in) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed after " + head);
      }
      head.append((char) b);
    }
    java.util.regex.Matcher length = java.util.regex.Pattern.compile("(?i)content-length: *(\\d+)").matcher(head);
    assertThat(length.find()).as("a length in %s", head).isTrue();
    return head + new String(in.readNBytes(Integer.parseInt(length.group(1))), StandardCharsets.UTF_8);
  }

  private static String readAll(InputStream in) {
    try {
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
