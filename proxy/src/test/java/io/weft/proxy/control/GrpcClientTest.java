package io.weft.proxy.control;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.linkerd.proxy.destination.GetDestination;
import io.linkerd.proxy.destination.NoEndpoints;
import io.linkerd.proxy.destination.Update;
import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.http.Trailers;
import io.weft.streams.service.Service;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.nio.ByteOrder;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * The gRPC framing and status rules of the proxy's control-plane client, against scripted HTTP/2
 * answers (the real control plane's Pekko gRPC server is the peer in the discovery, policy and
 * identity tests).
 */
class GrpcClientTest {
  private static final ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "grpc-client-test");
  private static final Materializer materializer = Materializer.matFromSystem(system);
  private static final String GET = "/io.linkerd.proxy.destination.Destination/Get";
  private static final GetDestination LOOKUP = GetDestination.newBuilder().setPath("web.shop.svc.cluster.local:80").build();
  private static final Update NONE = Update.newBuilder().setNoEndpoints(NoEndpoints.newBuilder().setExists(true)).build();
  private static final Update GONE = Update.newBuilder().setNoEndpoints(NoEndpoints.newBuilder().setExists(false)).build();

  @AfterAll
  static void stop() {
    system.terminate();
  }

  private static ByteString framed(int flag, byte[] message) {
    return new ByteStringBuilder().putByte((byte) flag).putInt(message.length, ByteOrder.BIG_ENDIAN).putBytes(message).result();
  }

  private static Response answer(int status, Headers headers, Body body, Headers trailers) {
    Response response = new Response(status, null, HttpVersion.HTTP_2, headers.add("content-type", "application/grpc"), body);
    if (trailers != null) {
      response.trailers(new Trailers(trailers));
    }
    return response;
  }

  private static Headers status(int code, String message) {
    Headers fields = new Headers().add("grpc-status", Integer.toString(code));
    return message == null ? fields : fields.add("grpc-message", message);
  }

  private static GrpcClient client(Service<Request, Response> server) {
    return new GrpcClient(server, "127.0.0.1:8086", 1024, materializer);
  }

  private static List<Update> stream(Service<Request, Response> server) {
    return client(server).serverStreaming(GET, LOOKUP, Update.parser()).runWith(Sink.seq(), materializer)
        .toCompletableFuture().join();
  }

  private static Status failure(CompletionStage<?> call) {
    Throwable thrown = catchThrowable(() -> call.toCompletableFuture().join());
    Throwable cause = thrown instanceof CompletionException ? thrown.getCause() : thrown;
    assertThat(cause).isInstanceOf(StatusRuntimeException.class);
    return ((StatusRuntimeException) cause).getStatus();
  }

  private static Status streamFailure(Service<Request, Response> server) {
    return failure(client(server).serverStreaming(GET, LOOKUP, Update.parser()).runWith(Sink.seq(), materializer));
  }

  @Test
  void aCallIsAFramedPostAndItsAnswersArriveSplitAnyway() {
    AtomicReference<Request> sent = new AtomicReference<>();
    ByteString both = framed(0, NONE.toByteArray()).concat(framed(0, GONE.toByteArray()));
    // The two messages cut into 3-byte pieces: a message may straddle DATA frames.
    List<ByteString> pieces = new java.util.ArrayList<>();
    for (int i = 0; i < both.size(); i += 3) {
      pieces.add(both.slice(i, Math.min(both.size(), i + 3)));
    }
    List<Update> answers = stream(request -> {
      sent.set(request);
      // As the HTTP/2 connection does: the trailers are known once the last DATA has been read.
      Trailers trailers = new Trailers();
      Source<ByteString, ?> body = Source.from(pieces).concatLazy(Source.lazySource(() -> {
        trailers.set(status(0, null));
        return Source.<ByteString>empty();
      }));
      Response response = answer(200, new Headers(), new Body.Streamed(body, -1), null);
      response.trailers(trailers);
      return CompletableFuture.completedFuture(response);
    });
    assertThat(answers).containsExactly(NONE, GONE);
    Request request = sent.get();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.target()).isEqualTo(GET);
    assertThat(request.authority()).isEqualTo("127.0.0.1:8086");
    assertThat(request.headers().get("content-type")).isEqualTo("application/grpc");
    assertThat(request.headers().get("te")).isEqualTo("trailers");
    assertThat(((Body.Strict) request.body()).bytes()).isEqualTo(framed(0, LOOKUP.toByteArray()));
  }

  @Test
  void aStatusInTheTrailersFailsTheCallWithItsCodeAndMessage() {
    Status status = streamFailure(request -> CompletableFuture.completedFuture(answer(200, new Headers(),
        Body.of(framed(0, NONE.toByteArray())), status(5, "no%20such%20service"))));
    assertThat(status.getCode()).isEqualTo(Status.Code.NOT_FOUND);
    assertThat(status.getDescription()).isEqualTo(GET + ": no such service");
  }

  @Test
  void aTrailersOnlyAnswerIsItsStatus() {
    assertThat(streamFailure(request -> CompletableFuture.completedFuture(answer(200, status(7, null), Body.EMPTY, null)))
        .getCode()).isEqualTo(Status.Code.PERMISSION_DENIED);
    assertThat(stream(request -> CompletableFuture.completedFuture(answer(200, status(0, null), Body.EMPTY, null)))).isEmpty();
  }

  @Test
  void whatIsNotAGrpcAnswerFailsTheCallAndSaysWhy() {
    Status http = streamFailure(request -> CompletableFuture.completedFuture(answer(503, new Headers(), Body.EMPTY, null)));
    assertThat(http.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(http.getDescription()).contains("HTTP 503");
    Status noStatus = streamFailure(request -> CompletableFuture.completedFuture(answer(200, new Headers(),
        Body.of(framed(0, NONE.toByteArray())), null)));
    assertThat(noStatus.getCode()).isEqualTo(Status.Code.INTERNAL);
    assertThat(noStatus.getDescription()).contains("without a grpc-status");
    Status compressed = streamFailure(request -> CompletableFuture.completedFuture(answer(200, new Headers(),
        Body.of(framed(1, NONE.toByteArray())), status(0, null))));
    assertThat(compressed.getDescription()).contains("compressed message");
    Status tooLong = streamFailure(request -> CompletableFuture.completedFuture(answer(200, new Headers(),
        Body.of(framed(0, new byte[2048])), status(0, null))));
    assertThat(tooLong.getCode()).isEqualTo(Status.Code.INTERNAL);
    Status cut = streamFailure(request -> CompletableFuture.completedFuture(answer(200, new Headers(),
        Body.of(framed(0, NONE.toByteArray()).dropRight(1)), status(0, null))));
    assertThat(cut.getCode()).isEqualTo(Status.Code.INTERNAL);
  }

  @Test
  void aTransportFailureIsUnavailable() {
    Status status = streamFailure(request -> CompletableFuture.failedFuture(new java.net.ConnectException("refused")));
    assertThat(status.getCode()).isEqualTo(Status.Code.UNAVAILABLE);
    assertThat(status.getDescription()).contains("refused");
  }

  @Test
  void aUnaryCallTellsItsDeadlineAndFailsPastIt() {
    AtomicReference<Request> sent = new AtomicReference<>();
    GrpcClient silent = client(request -> {
      sent.set(request);
      return new CompletableFuture<>(); // never answered
    });
    Status status = failure(silent.unary(GET, LOOKUP, Update.parser(), Optional.of(Duration.ofMillis(200))));
    assertThat(status.getCode()).isEqualTo(Status.Code.DEADLINE_EXCEEDED);
    assertThat(sent.get().headers().get("grpc-timeout")).isEqualTo("200m");

    GrpcClient answering = client(request -> CompletableFuture.completedFuture(answer(200, new Headers(),
        Body.of(framed(0, GONE.toByteArray())), status(0, null))));
    assertThat(answering.unary(GET, LOOKUP, Update.parser(), Optional.of(Duration.ofSeconds(30))).toCompletableFuture().join())
        .isEqualTo(GONE);
  }
}
