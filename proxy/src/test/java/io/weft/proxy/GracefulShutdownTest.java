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
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
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
  private Process proxy;
  private Socket idle;
  /** Blocking readers: one thread each (the common pool may have one thread on a small machine). */
  private final java.util.concurrent.ExecutorService clients = java.util.concurrent.Executors.newCachedThreadPool();

  @AfterEach
  void stop() {
    if (proxy != null) {
      proxy.destroyForcibly();
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
    int admin = LocalMesh.freePort();
    ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
        "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED", "-Xmx128m",
        "-cp", System.getProperty("java.class.path"), ProxyMain.class.getName()).redirectErrorStream(true);
    builder.environment().putAll(Map.of(
        "LINKERD2_PROXY_INBOUND_LISTEN_ADDR", "127.0.0.1:" + inbound,
        "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "127.0.0.1:" + admin,
        "LINKERD2_PROXY_CONTROL_LISTEN_ADDR", "127.0.0.1:0",
        // Nothing listens there: the inbound side needs no discovery.
        "LINKERD2_PROXY_DESTINATION_SVC_ADDR", "127.0.0.1:1",
        "LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD", "60s"));
    proxy = builder.start();
    StringBuffer output = new StringBuffer();
    Process started = proxy;
    clients.execute(() -> {
      try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(started.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = lines.readLine(); line != null; line = lines.readLine()) {
          output.append(line).append('\n');
        }
      } catch (IOException e) {
        output.append("(output ended: ").append(e).append(")\n");
      }
    });
    await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> {
      assertThat(started.isAlive()).as("the proxy runs; it said:%n%s", output).isTrue();
      return ready(admin);
    });

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
      assertThat(answer).as("answer %d; the proxy said:%n%s", i, output).startsWith("HTTP/1.1 200").endsWith("done /slow-" + i);
      if (i < IN_FLIGHT - 1) {
        // The proxy's HTTP/1 server ends the connection behind its last answer.
        assertThat(answer).containsIgnoringCase("Connection: close");
      }
    }
    assertThat(proxy.waitFor(30, TimeUnit.SECONDS)).as("exits once drained").isTrue();
    await().atMost(Duration.ofSeconds(10)).until(() -> output.toString().contains("stopping:"));
    assertThat(output.toString()).contains("stopping: no new connections; " + (IN_FLIGHT + 1) + " connection(s) open")
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

  private static boolean ready(int admin) throws Exception {
    try (HttpClient http = HttpClient.newHttpClient()) {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + admin + "/ready")).build(),
          HttpResponse.BodyHandlers.discarding()).statusCode() == 200;
    }
  }
}
