package io.weft.proxy;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.awaitility.Awaitility.await;

/**
 * Real HTTP clients — curl (HTTP/1.1 and HTTP/2 prior knowledge), h2load, wrk, the JDK's WebSocket
 * client — through the proxy pair (outbound → transport header → inbound) to an application, with
 * the bodies checked on both sides.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class HttpClientsThroughProxyPairTest {
  private static final String AUTHORITY = "echo.shop.svc.cluster.local:80";
  private static final String HELLO = "hello through the mesh\n";
  private static final int UPLOAD_BYTES = 3 * 1024 * 1024 + 17;

  @TempDir Path work;
  private ActorSystem<Void> appSystem;
  private ProxyPair pair;
  /** The app's /held: tells when a request reached it, answers when released. */
  private volatile CompletableFuture<Void> held = new CompletableFuture<>();
  private volatile CompletableFuture<Void> heldArrived = new CompletableFuture<>();

  @BeforeAll
  void start(@TempDir Path manifests) throws Exception {
    appSystem = ActorSystem.create(Behaviors.empty(), "echo-app", ProxyRuntime.systemConfig(ConfigFactory.load()));
    int appPort = Http.get(appSystem).newServerAt("127.0.0.1", 0).bind(this::app).toCompletableFuture().join()
        .localAddress().getPort();
    pair = ProxyPair.start(manifests, "echo", 80, appPort, Duration.ofSeconds(3));
    await().atMost(Duration.ofSeconds(30)).until(() -> curl("-s", url("/hello")).equals(HELLO));
  }

  @AfterAll
  void stop() {
    if (pair != null) {
      pair.close();
    }
    appSystem.terminate();
  }

  /** The application: a fixed greeting, its protocol after 200 ms, an answer held until released, an upload digest, a WebSocket echo. */
  private CompletionStage<HttpResponse> app(HttpRequest request) {
    return switch (request.getUri().path()) {
      case "/hello" -> CompletableFuture.completedFuture(HttpResponse.create().withEntity(HELLO));
      case "/protocol" -> CompletableFuture.supplyAsync(() -> HttpResponse.create().withEntity(request.protocol().value()
              + " orig-proto " + request.getHeader(io.weft.proxy.http.OrigProto.HEADER).isPresent()),
          CompletableFuture.delayedExecutor(200, TimeUnit.MILLISECONDS));
      case "/held" -> {
        heldArrived.complete(null);
        yield held.thenApply(released -> HttpResponse.create().withEntity("released"));
      }
      case "/authority" -> CompletableFuture.completedFuture(HttpResponse.create().withEntity("authority "
          + request.getHeader(org.apache.pekko.http.javadsl.model.headers.Host.class).map(h -> h.host().address())
              .orElseGet(() -> request.getUri().host().address()) + "\n"));
      case "/upload" -> {
        boolean chunked = request.entity() instanceof HttpEntity.Chunked;
        yield request.entity().getDataBytes().runWith(Sink.fold(new Digest(), Digest::add), appSystem)
            .thenApply(digest -> HttpResponse.create().withEntity("bytes=" + digest.bytes + " sha256=" + digest.hex()
                + " chunked=" + chunked + "\n"));
      }
      case "/ws" -> CompletableFuture.completedFuture(request.getAttribute(AttributeKeys.webSocketUpgrade)
          .map(upgrade -> upgrade.handleMessagesWith(Flow.create()))
          .orElseGet(() -> HttpResponse.create().withStatus(StatusCodes.BAD_REQUEST)));
      default -> CompletableFuture.completedFuture(HttpResponse.create().withStatus(StatusCodes.NOT_FOUND));
    };
  }

  private static final class Digest {
    private final MessageDigest sha;
    private long bytes;

    Digest() {
      try {
        sha = MessageDigest.getInstance("SHA-256");
      } catch (NoSuchAlgorithmException e) {
        throw new IllegalStateException(e);
      }
    }

    Digest add(ByteString chunk) {
      sha.update(chunk.toArrayUnsafe());
      bytes += chunk.size();
      return this;
    }

    String hex() {
      return HexFormat.of().formatHex(sha.digest());
    }
  }

  /** {@link RawHttp#get} for echo.shop on a virtual thread of its own. */
  private static CompletableFuture<String> getLater(int port, String path) {
    CompletableFuture<String> answer = new CompletableFuture<>();
    Thread.ofVirtual().start(() -> {
      try {
        answer.complete(RawHttp.get(port, "echo.shop", path));
      } catch (IOException e) {
        answer.completeExceptionally(e);
      }
    });
    return answer;
  }

  private String url(String path) {
    return "http://127.0.0.1:" + pair.outboundPort() + path;
  }

  private static String run(List<String> command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    return out;
  }

  private static String curl(String... args) throws Exception {
    List<String> command = new ArrayList<>(List.of("curl", "--max-time", "60", "-H", "Host: echo.shop"));
    command.addAll(List.of(args));
    return run(command);
  }

  private static boolean installed(String tool) {
    return System.getenv("CI") != null || Files.isExecutable(Path.of("/usr/bin", tool));
  }

  @Test
  void curlOverHttp1AndHttp2PriorKnowledge() throws Exception {
    assertThat(curl("-s", "--http1.1", "-w", "%{http_version}", url("/hello"))).isEqualTo(HELLO + "1.1");
    assertThat(curl("-s", "--http2-prior-knowledge", "-w", "%{http_version}", url("/hello"))).isEqualTo(HELLO + "2");
  }

  /** What a Linkerd proxy sends, and Weft's outbound by default: HTTP/1 upgraded to HTTP/2 on the hop. */
  @Test
  void http1TravelsAsHttp2BetweenTheProxiesByDefaultAndReachesTheAppAsHttp1() throws Exception {
    RawHttp.get(pair.outboundPort(), "echo.shop", "/hello"); // the connection between the proxies is open
    double before = ProxyPair.total(pair.inboundMetrics(), "tcp_open_total");
    // Sixteen at once, each held 200 ms by the app: an HTTP/1 pool would open a connection for each.
    var calls = java.util.stream.IntStream.range(0, 16).mapToObj(i -> getLater(pair.outboundPort(), "/protocol")).toList();
    for (var call : calls) {
      // The application's Content-Length reaches the client (not chunks), and the hop's own headers do not.
      assertThat(call.get(60, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200").endsWith("HTTP/1.1 orig-proto false")
          .containsIgnoringCase("content-length: " + "HTTP/1.1 orig-proto false".length()).doesNotContainIgnoringCase("chunked")
          .doesNotContain("l5d-orig");
    }
    // At most one: the hop's connection may have reached its idle timeout since.
    assertThat(ProxyPair.total(pair.inboundMetrics(), "tcp_open_total") - before).as("connections between the proxies")
        .isLessThanOrEqualTo(1);
  }

  /** With the upgrade off, HTTP/1 crosses as HTTP/1: one exchange per connection at a time, connections pooled. */
  @Test
  void withTheUpgradeOffHttp1TravelsOverPooledHttp1ConnectionsBetweenTheProxies() throws Exception {
    Path manifests = Files.createDirectories(work.resolve("not-upgrading"));
    int appPort = Http.get(appSystem).newServerAt("127.0.0.1", 0).bind(this::app).toCompletableFuture().join()
        .localAddress().getPort();
    try (ProxyPair pooled = ProxyPair.start(manifests, "echo", 80, appPort, Duration.ofSeconds(3), TestIdentities.create(),
        port -> port, "weft.proxy.http.mesh.upgrade-http1 = off")) {
      await().atMost(Duration.ofSeconds(30)).until(() -> RawHttp.get(pooled.outboundPort(), "echo.shop", "/hello").endsWith(HELLO));
      double before = ProxyPair.total(pooled.inboundMetrics(), "tcp_open_total");
      for (int i = 0; i < 20; i++) {
        // A new client connection each time: the connection between the proxies is the one reused.
        assertThat(RawHttp.get(pooled.outboundPort(), "echo.shop", "/hello")).startsWith("HTTP/1.1 200").endsWith(HELLO);
      }
      assertThat(ProxyPair.total(pooled.inboundMetrics(), "tcp_open_total") - before).as("connections between the proxies")
          .isZero();

      // While one exchange holds a connection, the next needs another: two open at once (HTTP/2 would carry both on one).
      held = new CompletableFuture<>();
      heldArrived = new CompletableFuture<>();
      CompletableFuture<String> holding = getLater(pooled.outboundPort(), "/held");
      heldArrived.get(30, TimeUnit.SECONDS);
      assertThat(RawHttp.get(pooled.outboundPort(), "echo.shop", "/protocol")).endsWith("HTTP/1.1 orig-proto false");
      assertThat(ProxyPair.total(pooled.inboundMetrics(), "tcp_open_total")
          - ProxyPair.total(pooled.inboundMetrics(), "tcp_close_total")).as("connections between the proxies open now")
          .isGreaterThanOrEqualTo(2);
      held.complete(null);
      assertThat(holding.get(30, TimeUnit.SECONDS)).startsWith("HTTP/1.1 200").endsWith("released");
    }
  }

  @Test
  void theCalleesProxyCountsEachRequestWithTheAuthorityTheClientUsed() throws Exception {
    assertThat(curl("-s", "--http1.1", url("/authority"))).isEqualTo("authority echo.shop\n");
    assertThat(curl("-s", "--http2-prior-knowledge", url("/authority"))).isEqualTo("authority echo.shop\n");
    // Over mesh TLS: the callee knows the caller's identity, the caller the callee's.
    assertThat(pair.inboundMetrics().scrape()).containsPattern(
        "response_total\\{authority=\"echo.shop\",classification=\"success\",client_id=\"" + ProxyPair.CLIENT_ID.replace(".", "\\.")
            + "\",direction=\"inbound\"[^}]*status_code=\"200\",tls=\"true\"} [2-9]");
    assertThat(pair.outboundMetrics().scrape()).containsPattern(
        "response_total\\{authority=\"echo.shop[^}]*server_id=\"" + ProxyPair.SERVER_ID.replace(".", "\\.")
            + "\",status_code=\"200\",tls=\"true\"} [2-9]");
    // Each side counted what it detected: plain HTTP from curl; mesh TLS, and inside it the peer proxy's transport header.
    assertThat(pair.outboundMetrics().scrape()).containsPattern("tcp_protocol_detected_total\\{direction=\"outbound\",protocol=\"http1\"} [1-9]")
        .containsPattern("tcp_protocol_detected_total\\{direction=\"outbound\",protocol=\"http2\"} [1-9]");
    assertThat(pair.inboundMetrics().scrape())
        .containsPattern("tcp_protocol_detected_total\\{direction=\"inbound\",protocol=\"tls\"} [1-9]")
        .containsPattern("tcp_protocol_detected_total\\{direction=\"inbound\",protocol=\"transport_header\"} [1-9]");
  }

  private Path uploadFile() throws IOException {
    byte[] data = new byte[UPLOAD_BYTES];
    new Random(7).nextBytes(data);
    Path file = work.resolve("upload.bin");
    Files.write(file, data);
    return file;
  }

  private static String sha256(Path file) throws Exception {
    return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(Files.readAllBytes(file)));
  }

  @Test
  void aChunkedUploadArrivesIntact() throws Exception {
    Path file = uploadFile();
    String answer = curl("-s", "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + file, url("/upload"));
    assertThat(answer).isEqualTo("bytes=" + UPLOAD_BYTES + " sha256=" + sha256(file) + " chunked=true\n");
  }

  @Test
  void aHundredContinueUploadArrivesIntact() throws Exception {
    Path file = uploadFile();
    String answer = curl("-s", "-v", "-H", "Expect: 100-continue", "--data-binary", "@" + file, url("/upload"));
    assertThat(answer).contains("< HTTP/1.1 100 Continue")
        .contains("bytes=" + UPLOAD_BYTES + " sha256=" + sha256(file) + " chunked=");
  }

  @Test
  void h2loadGetsEveryBody() throws Exception {
    assumeTrue(installed("h2load"), "needs h2load (CI installs nghttp2-client)");
    int requests = 2000;
    String out = run(List.of("h2load", "-n", String.valueOf(requests), "-c", "4", "-m", "10",
        "-H", "l5d-dst-override: " + AUTHORITY, url("/hello")));
    assertThat(out).contains("requests: " + requests + " total, " + requests + " started, " + requests + " done, "
        + requests + " succeeded, 0 failed, 0 errored, 0 timeout").contains("status codes: " + requests + " 2xx");
    Matcher traffic = Pattern.compile("traffic: .*\\((\\d+)\\) data").matcher(out);
    assertThat(traffic.find()).as(out).isTrue();
    assertThat(Long.parseLong(traffic.group(1))).isEqualTo((long) requests * HELLO.length());
  }

  @Test
  void wrkGetsEveryBody() throws Exception {
    assumeTrue(installed("wrk"), "needs wrk (CI installs it)");
    Path script = work.resolve("check.lua");
    Files.writeString(script, """
        local threads = {}
        function setup(thread) table.insert(threads, thread) end
        function init(args) good = 0; bad = 0 end
        function response(status, headers, body)
          if status == 200 and body == "%s" then good = good + 1 else bad = bad + 1 end
        end
        function done(summary, latency, requests)
          local g, b = 0, 0
          for _, t in ipairs(threads) do g = g + t:get("good"); b = b + t:get("bad") end
          io.write(string.format("checked good=%%d bad=%%d\\n", g, b))
        end
        """.formatted(HELLO.replace("\n", "\\n")));
    String out = run(List.of("wrk", "-t", "2", "-c", "8", "-d", "2s", "-s", script.toString(),
        "-H", "l5d-dst-override: " + AUTHORITY, url("/hello")));
    Matcher checked = Pattern.compile("checked good=(\\d+) bad=(\\d+)").matcher(out);
    assertThat(checked.find()).as(out).isTrue();
    assertThat(Long.parseLong(checked.group(1))).as(out).isGreaterThan(100);
    assertThat(checked.group(2)).as(out).isEqualTo("0");
    assertThat(out).doesNotContain("Non-2xx").doesNotContain("Socket errors");
  }

  @Test
  void aWebSocketEchoes() throws Exception {
    LinkedBlockingQueue<String> received = new LinkedBlockingQueue<>();
    WebSocket socket = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build().newWebSocketBuilder()
        .header("l5d-dst-override", AUTHORITY)
        .buildAsync(URI.create("ws://127.0.0.1:" + pair.outboundPort() + "/ws"), new WebSocket.Listener() {
          private final StringBuilder text = new StringBuilder();

          @Override
          public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
              received.add(text.toString());
              text.setLength(0);
            }
            webSocket.request(1);
            return null;
          }
        }).get(30, TimeUnit.SECONDS);
    for (String message : List.of("first", "second", "x".repeat(100_000))) {
      socket.sendText(message, true).get(30, TimeUnit.SECONDS);
      assertThat(received.poll(30, TimeUnit.SECONDS)).isEqualTo(message);
    }
    socket.sendClose(WebSocket.NORMAL_CLOSURE, "done").get(30, TimeUnit.SECONDS);
  }
}
