package io.weft.streams.http2;

import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.HeldAnswer;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.http.StopSwitch;
import io.weft.streams.http.Trailers;
import io.weft.streams.http1.ConnectionClosedException;
import io.weft.streams.service.Service;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Weft's HTTP/2 client against its HTTP/2 server, the two stages joined in memory. */
class Http2ConnectionTest {
  static ActorSystem system;
  static Materializer materializer;
  static final Http2Settings SETTINGS = new Http2Settings(8, 65_535, 128 * 1024, 16 * 1024, 64 * 1024, 1000,
      Optional.empty(), Optional.empty(), Optional.empty());

  /** Echoes the request: method and path in headers, the body back streamed, its trailers as the answer's. */
  static final Service<Request, Response> ECHO = request -> {
    Headers headers = new Headers().add("x-method", request.method()).add("x-path", request.target())
        .add("x-authority", request.authority());
    Response response = new Response(200, null, HttpVersion.HTTP_2, headers, request.body());
    if (request.trailers() != null) {
      Trailers echoed = new Trailers();
      response.trailers(echoed);
      Trailers in = request.trailers();
      return CompletableFuture.completedFuture(response.body(switch (request.body()) {
        // The trailers are known once the body has ended, and must be set before the echo's body ends.
        case Body.Streamed s -> new Body.Streamed(s.bytes().concatLazy(Source.fromIterator(() -> {
          echoed.set(in.fields());
          return java.util.Collections.emptyIterator();
        })), s.length());
        default -> {
          echoed.set(in.fields());
          yield request.body();
        }
      }));
    }
    return CompletableFuture.completedFuture(response);
  };

  @BeforeAll
  static void start() {
    system = ActorSystem.create("http2-test");
    materializer = Materializer.matFromSystem(system);
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  static Http2Client.Connection connect(Service<Request, Response> service, Http2Settings settings) {
    return Http2Client.flow(settings).joinMat(Http2Server.flow(service, settings), (c, n) -> c).run(materializer);
  }

  static Request get(String path) {
    return new Request("GET", path, "example.test", HttpVersion.HTTP_2, new Headers(), Body.EMPTY);
  }

  static ByteString body(Response response) throws Exception {
    return switch (response.body()) {
      case Body.Empty e -> ByteString.emptyByteString();
      case Body.Strict s -> s.bytes();
      case Body.Streamed s -> s.bytes().runFold(ByteString.emptyByteString(), ByteString::concat, materializer)
          .toCompletableFuture().get(10, TimeUnit.SECONDS);
      case Body.Tunnel t -> throw new AssertionError("a tunnel");
    };
  }

  @Test
  void manyRequestsAtOnceBeyondTheServersStreamLimitAreAllAnswered() throws Exception {
    Http2Client.Connection connection = connect(ECHO, SETTINGS);
    List<CompletionStage<Response>> answers = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      answers.add(connection.send(get("/r" + i)));
    }
    for (int i = 0; i < 200; i++) {
      Response response = answers.get(i).toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(response.status()).isEqualTo(200);
      assertThat(response.headers().get("x-path")).isEqualTo("/r" + i);
      assertThat(response.headers().get("x-authority")).isEqualTo("example.test");
      assertThat(response.headers().get("x-method")).isEqualTo("GET");
    }
    connection.retire();
    connection.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  void megabytesBothWaysThroughSmallWindowsWithTrailers() throws Exception {
    Http2Client.Connection connection = connect(ECHO, SETTINGS);
    int chunks = 512;
    ByteString chunk = ByteString.fromArray(new byte[8192]);
    Trailers trailers = new Trailers();
    Source<ByteString, ?> upload = Source.range(1, chunks).map(i -> chunk)
        .concatLazy(Source.fromIterator(() -> {
          trailers.set(new Headers().add("x-checksum", "abc"));
          return java.util.Collections.emptyIterator();
        }));
    List<CompletionStage<Response>> answers = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      Request request = new Request("POST", "/upload", "example.test", HttpVersion.HTTP_2, new Headers(),
          new Body.Streamed(i == 0 ? upload : Source.range(1, chunks).map(n -> chunk), -1));
      if (i == 0) {
        request.trailers(trailers);
      }
      answers.add(connection.send(request));
    }
    for (int i = 0; i < 3; i++) {
      Response response = answers.get(i).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(body(response).size()).isEqualTo(chunks * 8192);
      if (i == 0) {
        assertThat(response.trailers().fields().get("x-checksum")).isEqualTo("abc");
      }
    }
  }

  @Test
  void aMalformedRequestIsResetAndTheConnectionCarriesOn() throws Exception {
    Http2Client.Connection connection = connect(ECHO, SETTINGS);
    Request bad = get("/bad");
    bad.headers().add("x-bad", " leading space");
    assertThatThrownBy(() -> connection.send(bad).toCompletableFuture().get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ConnectionClosedException.class).hasMessageContaining("error code 1"); // PROTOCOL_ERROR
    assertThat(connection.send(get("/after")).toCompletableFuture().get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
  }

  @Test
  void aResponseBodyTheReaderLeavesIsCancelledAndFreesItsStream() throws Exception {
    Service<Request, Response> endless = request -> CompletableFuture.completedFuture(new Response(200, null,
        HttpVersion.HTTP_2, new Headers(), new Body.Streamed(Source.repeat(ByteString.fromString("x".repeat(1024))), -1)));
    Http2Settings oneStream = new Http2Settings(1, 65_535, 65_535, 16 * 1024, 64 * 1024, 1000, Optional.empty(),
        Optional.empty(), Optional.empty());
    Http2Client.Connection connection = connect(endless, oneStream);
    for (int i = 0; i < 5; i++) {
      Response response = connection.send(get("/stream")).toCompletableFuture().get(10, TimeUnit.SECONDS);
      Body.Streamed body = (Body.Streamed) response.body();
      assertThat(body.bytes().take(3).runWith(Sink.seq(), materializer).toCompletableFuture().get(10, TimeUnit.SECONDS))
          .hasSize(3);
    }
  }

  @Test
  void aHeaderSectionPastTheLimitIsAnswered431() throws Exception {
    Http2Client.Connection connection = connect(ECHO, SETTINGS);
    Request big = get("/big");
    big.headers().add("x-big", "y".repeat(20_000));
    assertThat(connection.send(big).toCompletableFuture().get(10, TimeUnit.SECONDS).status()).isEqualTo(431);
    assertThat(connection.send(get("/after")).toCompletableFuture().get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
  }

  @Test
  void aConnectionThatEndsFailsItsRequestsAndTakesNoMore() throws Exception {
    CompletableFuture<Response> never = new CompletableFuture<>();
    Http2Client.Connection connection = Http2Client.flow(SETTINGS)
        .joinMat(Http2Server.flow(request -> never, SETTINGS).takeWithin(Duration.ofMillis(300)), (c, n) -> c)
        .run(materializer);
    assertThatThrownBy(() -> connection.send(get("/hangs")).toCompletableFuture().get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ConnectionClosedException.class);
    connection.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(connection.accepting()).isFalse();
    assertThatThrownBy(() -> connection.send(get("/later")).toCompletableFuture().get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ConnectionClosedException.class);
  }

  @Test
  void toldToStopAServerGoesAwayAndClosesOnceTheStreamsItTookAreAnswered() throws Exception {
    StopSwitch stop = new StopSwitch();
    HeldAnswer held = new HeldAnswer("/held");
    Service<Request, Response> service = held.before(ECHO);
    Http2Client.Connection connection = Http2Client.flow(SETTINGS)
        .joinMat(Http2Server.flow(service, SETTINGS, stop), (c, n) -> c).run(materializer);
    assertThat(connection.send(get("/before")).toCompletableFuture().get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
    CompletionStage<Response> inFlight = connection.send(get("/held"));
    held.arrived().get(10, TimeUnit.SECONDS);
    assertThat(stop.listening()).isEqualTo(1);

    stop.stop();
    // GOAWAY: the client takes no new request on this connection...
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !connection.accepting());
    assertThat(connection.closed().toCompletableFuture()).isNotDone();
    // ...and the stream the server took is answered before the connection closes.
    held.answer(new Response(200, null, HttpVersion.HTTP_2, new Headers(), Body.of(ByteString.fromString("late"))));
    Response answer = inFlight.toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(answer.status()).isEqualTo(200);
    assertThat(body(answer).utf8String()).isEqualTo("late");
    connection.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(stop.listening()).isZero();
  }

  @Test
  void aClientConnectionWithNothingInFlightClosesAfterItsIdleTimeout() throws Exception {
    Http2Client.Connection connection = connect(ECHO, SETTINGS.withIdleTimeout(Duration.ofMillis(300)));
    long start = System.nanoTime();
    assertThat(connection.send(get("/once")).toCompletableFuture().get(10, TimeUnit.SECONDS).status()).isEqualTo(200);
    connection.closed().toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(300));
    assertThat(connection.accepting()).isFalse();
  }

  @Test
  void anAnswerThatArrivesAfterItsConnectionClosedHasItsBodyLetGo() throws Exception {
    CompletableFuture<Response> later = new CompletableFuture<>();
    CompletableFuture<Void> bodyEnded = new CompletableFuture<>();
    byte[] request = Http2ServerPropertiesTest.concat(Http2ServerPropertiesTest.START, Http2ServerPropertiesTest.frame(
        Frames.HEADERS, Frames.END_HEADERS | Frames.END_STREAM, 1,
        Http2ServerPropertiesTest.block(":method", "GET", ":scheme", "http", ":path", "/slow")));
    // The client sends its request and goes away before the answer comes.
    Source.single(ByteString.fromArray(request)).via(Http2Server.flow(r -> later, SETTINGS))
        .runWith(Sink.ignore(), materializer).toCompletableFuture().get(10, TimeUnit.SECONDS);
    Source<ByteString, ?> body = Source.repeat(ByteString.fromString("x")).watchTermination((m, done) -> {
      done.whenComplete((ok, failure) -> bodyEnded.complete(null));
      return m;
    });
    later.complete(new Response(200, null, HttpVersion.HTTP_2, new Headers(), new Body.Streamed(body, -1)));
    bodyEnded.get(10, TimeUnit.SECONDS);
  }

  @Test
  void aServerPingsAQuietConnectionAndClosesItWhenNoAnswerComes() throws Exception {
    Http2Settings pinging = SETTINGS.withPings(Optional.of(Duration.ofMillis(100)), Optional.of(Duration.ofMillis(200)));
    // A client that says hello and then nothing: it never answers a ping.
    List<ByteString> written = Source.single(ByteString.fromArray(Http2ServerPropertiesTest.START)).concat(Source.never())
        .via(Http2Server.flow(ECHO, pinging)).runWith(Sink.seq(), materializer).toCompletableFuture().get(10, TimeUnit.SECONDS);
    List<Integer> types = new ArrayList<>();
    ByteString all = written.stream().reduce(ByteString.emptyByteString(), ByteString::concat);
    for (int at = 0; at + Frames.HEADER_LENGTH <= all.size(); ) {
      int length = ((all.apply(at) & 0xff) << 16) | ((all.apply(at + 1) & 0xff) << 8) | (all.apply(at + 2) & 0xff);
      types.add(all.apply(at + 3) & 0xff);
      at += Frames.HEADER_LENGTH + length;
    }
    assertThat(types).contains(Frames.PING).endsWith(Frames.GOAWAY);
  }
}
