package io.weft.streams.http1;

import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.HeldAnswer;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.http.StopSwitch;
import io.weft.streams.service.Service;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;

/** The HTTP/1 server stage and the client pool, over real TCP on loopback. */
class Http1ServerTest {
  static final Http1Limits LIMITS = new Http1Limits(8192, 100);
  static ActorSystem system;
  static Materializer materializer;
  static int port;
  static final AtomicInteger accepted = new AtomicInteger();

  /** Answers with the request's method, target and authority in headers and its body streamed back. */
  static final Service<Request, Response> ECHO = request -> {
    if (request.target().startsWith("/collect") && request.body() instanceof Body.Streamed s) {
      // As an upstream does: reads the body, then answers.
      return s.bytes().runFold(ByteString.emptyByteString(), ByteString::concat, materializer)
          .thenApply(all -> new Response(200, "OK", request.version(), new Headers(), Body.of(all)));
    }
    Headers headers = new Headers().add("X-Method", request.method()).add("X-Target", request.target())
        .add("X-Authority", request.authority());
    if (request.target().equals("/close")) {
      headers.add("X-Note", "closing");
    }
    return CompletableFuture.completedFuture(new Response(200, "OK", request.version(), headers, switch (request.body()) {
      case Body.Streamed s -> new Body.Streamed(s.bytes(), s.length());
      default -> request.body();
    }));
  };

  @BeforeAll
  static void start() {
    system = ActorSystem.create("http1-server-test");
    materializer = Materializer.matFromSystem(system);
    port = Tcp.get(system).bind("127.0.0.1", 0).to(Sink.foreach(connection -> {
      accepted.incrementAndGet();
      connection.handleWith(Http1Server.flow(ECHO, LIMITS), system);
    })).run(system).toCompletableFuture().join().localAddress().getPort();
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  /** Keep-alive connections to {@code port} on loopback. */
  static Http1Pool pool(int port, String name) {
    return new Http1Pool(materializer, () -> Tcp.get(system).outgoingConnection(new InetSocketAddress("127.0.0.1", port),
            Optional.empty(), java.util.List.of(), true, Optional.empty(), Optional.empty())
        .mapMaterializedValue(c -> (CompletionStage<?>) c), new Http1Pool.Settings(LIMITS, Duration.ofSeconds(30), Optional.empty()),
        name);
  }

  static Socket connect() throws IOException {
    Socket socket = new Socket(InetAddress.getLoopbackAddress(), port);
    socket.setSoTimeout(20_000);
    return socket;
  }

  static void send(Socket socket, String text) throws IOException {
    socket.getOutputStream().write(text.getBytes(StandardCharsets.ISO_8859_1));
    socket.getOutputStream().flush();
  }

  /** One response: head (as text) and body, framed by Content-Length or chunks. */
  record Read(String head, String body) {
    String header(String name) {
      for (String line : head.split("\r\n")) {
        int colon = line.indexOf(':');
        if (colon > 0 && line.substring(0, colon).equalsIgnoreCase(name)) {
          return line.substring(colon + 1).trim();
        }
      }
      return null;
    }
  }

  static Read read(InputStream in, boolean toHead) throws IOException {
    StringBuilder head = new StringBuilder();
    while (!head.toString().endsWith("\r\n\r\n")) {
      int b = in.read();
      if (b < 0) {
        throw new IOException("closed after " + head);
      }
      head.append((char) b);
    }
    Read r = new Read(head.toString(), "");
    if (toHead || head.toString().startsWith("HTTP/1.1 100")) {
      return r;
    }
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    if (r.header("Content-Length") != null) {
      body.write(in.readNBytes(Integer.parseInt(r.header("Content-Length"))));
    } else if ("chunked".equals(r.header("Transfer-Encoding"))) {
      return new Read(r.head(), readChunks(in));
    }
    return new Read(r.head(), body.toString(StandardCharsets.ISO_8859_1));
  }

  static String readChunks(InputStream in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      StringBuilder line = new StringBuilder();
      while (!line.toString().endsWith("\r\n")) {
        line.append((char) in.read());
      }
      int size = Integer.parseInt(line.toString().trim(), 16);
      body.write(in.readNBytes(size));
      in.readNBytes(2);
      if (size == 0) {
        return body.toString(StandardCharsets.ISO_8859_1);
      }
    }
  }

  @Test
  void pipelinedRequestsAreAnsweredInOrderOnOneConnection() throws IOException {
    try (Socket socket = connect()) {
      send(socket, "GET /1 HTTP/1.1\r\nHost: a\r\n\r\nPOST /2 HTTP/1.1\r\nHost: b\r\nContent-Length: 5\r\n\r\nhelloGET /3 HTTP/1.1\r\nHost: c\r\n\r\n");
      InputStream in = socket.getInputStream();
      Read first = read(in, false);
      Read second = read(in, false);
      Read third = read(in, false);
      assertThat(first.header("X-Target")).isEqualTo("/1");
      assertThat(second.header("X-Target")).isEqualTo("/2");
      assertThat(second.body()).isEqualTo("hello");
      assertThat(third.header("X-Authority")).isEqualTo("c");
    }
  }

  @Test
  void aChunkedUploadInPiecesIsStreamedThroughAndBackChunked() throws Exception {
    try (Socket socket = connect()) {
      send(socket, "POST /up HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel");
      InputStream in = socket.getInputStream();
      // The answer's head comes before the upload is complete: the body is streamed, not collected first.
      Read head = read(in, true);
      assertThat(head.header("Transfer-Encoding")).isEqualTo("chunked");
      send(socket, "lo\r\n6;x=y\r\n world\r\n");
      send(socket, "0\r\nX-T: 1\r\n\r\n");
      assertThat(readChunks(in)).isEqualTo("hello world");
    }
  }

  @Test
  void expectContinueIsAnsweredWhenTheBodyIsWanted() throws IOException {
    try (Socket socket = connect()) {
      send(socket, "PUT /collect HTTP/1.1\r\nHost: a\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n");
      InputStream in = socket.getInputStream();
      assertThat(read(in, false).head()).startsWith("HTTP/1.1 100 Continue");
      send(socket, "data");
      Read r = read(in, false);
      assertThat(r.head()).startsWith("HTTP/1.1 200 OK");
      assertThat(r.body()).isEqualTo("data");
    }
  }

  @Test
  void aMalformedRequestGetsItsStatusAndTheConnectionCloses() throws IOException {
    try (Socket socket = connect()) {
      send(socket, "POST / HTTP/1.1\r\nHost: a\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n");
      Read r = read(socket.getInputStream(), false);
      assertThat(r.head()).startsWith("HTTP/1.1 400 ").contains("Connection: close");
      assertThat(r.body()).contains("both Transfer-Encoding and Content-Length");
      assertThat(socket.getInputStream().read()).isEqualTo(-1);
    }
    try (Socket socket = connect()) {
      send(socket, "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "x".repeat(9000) + "\r\n\r\n");
      assertThat(read(socket.getInputStream(), false).head()).startsWith("HTTP/1.1 431 ");
    }
    try (Socket socket = connect()) {
      send(socket, "POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n");
      InputStream in = socket.getInputStream();
      // The head was good, so the service answered; the bad chunk then ends the connection.
      byte[] rest = in.readAllBytes();
      assertThat(new String(rest, StandardCharsets.ISO_8859_1)).doesNotContain("zz");
    }
  }

  @Test
  void headKeepsTheLengthAndSendsNoBodyAndHttp10Closes() throws IOException {
    try (Socket socket = connect()) {
      send(socket, "HEAD /h HTTP/1.0\r\n\r\n");
      InputStream in = socket.getInputStream();
      Read r = read(in, true);
      assertThat(r.head()).contains("Connection: close");
      assertThat(in.read()).isEqualTo(-1);
    }
  }

  @Test
  void aPooledConnectionClosesOnlyAfterItsIdleTimeoutWithNoExchangeInFlight() {
    Duration idle = Duration.ofMillis(300);
    Http1Pool pool = new Http1Pool(materializer, () -> Tcp.get(system).outgoingConnection(new InetSocketAddress("127.0.0.1", port),
            Optional.empty(), java.util.List.of(), true, Optional.empty(), Optional.empty())
        .mapMaterializedValue(c -> (CompletionStage<?>) c), new Http1Pool.Settings(LIMITS, idle, Optional.empty()), "idle");
    int before = accepted.get();
    call(pool, "/first", Body.EMPTY);
    // An exchange that outlasts the idle timeout: the timer set when the connection first went idle
    // fires during it, and must not close a connection in use.
    Source<ByteString, ?> slow = Source.range(1, 8).map(i -> ByteString.fromString("chunk" + i)).throttle(1, Duration.ofMillis(100));
    assertThat(call(pool, "/collect", new Body.Streamed(slow, -1)).status()).isEqualTo(200);
    assertThat(accepted.get() - before).isEqualTo(1);
    // Left idle past the timeout, it closes: the next request needs a new connection.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(700)).until(() -> {
      call(pool, "/again", Body.EMPTY);
      return accepted.get() - before == 2;
    });
  }

  private static Response call(Http1Pool pool, String target, Body body) {
    return pool.call(new Request(body == Body.EMPTY ? "GET" : "POST", target, "echo", io.weft.streams.http.HttpVersion.HTTP_1_1,
        new Headers(), body)).toCompletableFuture().join();
  }

  @Test
  void thePoolReusesOneKeepAliveConnectionAndStreamsLargeBodiesBothWays() {
    Http1Pool pool = pool(port, "echo");
    int before = accepted.get();
    for (int i = 0; i < 50; i++) {
      Response r = pool.call(new Request("GET", "/n" + i, "echo", io.weft.streams.http.HttpVersion.HTTP_1_1, new Headers(),
          Body.EMPTY)).toCompletableFuture().join();
      assertThat(r.headers().get("X-Target")).isEqualTo("/n" + i);
    }
    assertThat(accepted.get() - before).isEqualTo(1);
    ByteString big = ByteString.fromArray(new byte[1 << 20]);
    Source<ByteString, ?> upload = Source.range(1, 64).map(i -> big.slice((i - 1) * (1 << 14), i * (1 << 14)));
    Response r = pool.call(new Request("POST", "/big", "echo", io.weft.streams.http.HttpVersion.HTTP_1_1, new Headers(),
        new Body.Streamed(upload, -1))).toCompletableFuture().join();
    assertThat(r.body()).isInstanceOf(Body.Streamed.class);
    long received = ((Body.Streamed) r.body()).bytes().runFold(0L, (n, b) -> n + b.size(), materializer).toCompletableFuture().join();
    assertThat(received).isEqualTo(1 << 20);
  }

  /** A server that answers one request per connection, keeping it open as if reusable, then closes it unannounced. */
  @Test
  void aRequestOnAConnectionTheServerClosedWhileIdleIsSentAgainOnANewOne() throws Exception {
    try (java.net.ServerSocket server = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      AtomicInteger served = new AtomicInteger();
      Thread.ofVirtual().start(() -> {
        while (!server.isClosed()) {
          try (Socket s = server.accept()) {
            InputStream in = s.getInputStream();
            StringBuilder head = new StringBuilder();
            while (!head.toString().endsWith("\r\n\r\n")) {
              int b = in.read();
              if (b < 0) {
                break;
              }
              head.append((char) b);
            }
            s.getOutputStream().write(("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n" + served.incrementAndGet())
                .getBytes(StandardCharsets.ISO_8859_1));
            s.getOutputStream().flush();
            // The connection is closed here, after the answer: the client's pool still holds it as idle.
            in.readNBytes(1);
          } catch (IOException e) {
            // next connection
          }
        }
      });
      int port = server.getLocalPort();
      Http1Pool pool = pool(port, "closing");
      for (int i = 1; i <= 5; i++) {
        Response r = pool.call(new Request("GET", "/", "closing", io.weft.streams.http.HttpVersion.HTTP_1_1, new Headers(),
            Body.EMPTY)).toCompletableFuture().get(20, java.util.concurrent.TimeUnit.SECONDS);
        assertThat(((Body.Strict) r.body()).bytes().utf8String()).isEqualTo(Integer.toString(i));
      }
    }
  }

  @Test
  void toldToStopAConnectionClosesBehindTheAnswerInHandAndAnIdleOneAtOnce() throws Exception {
    StopSwitch stop = new StopSwitch();
    HeldAnswer held = new HeldAnswer("/held");
    Service<Request, Response> service = held.before(ECHO);
    int stopping = Tcp.get(system).bind("127.0.0.1", 0).to(Sink.foreach(connection ->
            connection.handleWith(Http1Server.flow(service, LIMITS, stop), system)))
        .run(system).toCompletableFuture().join().localAddress().getPort();
    try (Socket idle = new Socket(InetAddress.getLoopbackAddress(), stopping);
         Socket busy = new Socket(InetAddress.getLoopbackAddress(), stopping)) {
      idle.setSoTimeout(20_000);
      busy.setSoTimeout(20_000);
      send(idle, "GET /before HTTP/1.1\r\nHost: a\r\n\r\n");
      assertThat(read(idle.getInputStream(), false).head()).startsWith("HTTP/1.1 200").doesNotContain("Connection: close");
      send(busy, "GET /held HTTP/1.1\r\nHost: a\r\n\r\n");
      held.arrived().get(20, java.util.concurrent.TimeUnit.SECONDS);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> stop.listening() == 2);

      stop.stop();
      // The idle keep-alive connection ends with a FIN (end of stream, not a reset).
      assertThat(idle.getInputStream().read()).isEqualTo(-1);
      // The request in hand is answered, as the connection's last.
      held.answer(new Response(200, "OK", io.weft.streams.http.HttpVersion.HTTP_1_1, new Headers(),
          Body.of(ByteString.fromString("late"))));
      Read last = read(busy.getInputStream(), false);
      assertThat(last.head()).startsWith("HTTP/1.1 200").contains("Connection: close");
      assertThat(last.body()).isEqualTo("late");
      assertThat(busy.getInputStream().read()).isEqualTo(-1);
    }
    // Each connection forgot the switch when it ended.
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> stop.listening() == 0);
  }

  @Test
  void aRefusedConnectionIsAConnectFailure() throws IOException {
    int closed;
    try (java.net.ServerSocket s = new java.net.ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    int dead = closed;
    Http1Pool pool = pool(dead, "dead");
    var answer = pool.call(new Request("GET", "/", "dead", io.weft.streams.http.HttpVersion.HTTP_1_1, new Headers(), Body.EMPTY))
        .toCompletableFuture();
    assertThat(answer).failsWithin(Duration.ofSeconds(20)).withThrowableOfType(java.util.concurrent.ExecutionException.class)
        .withCauseInstanceOf(ConnectFailedException.class);
  }
}
