package io.weft.proxy.control;

import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.weft.streams.http.Bodies;
import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.service.Failures;
import io.weft.streams.service.Service;
import io.weft.streams.stage.PlainFuture;
import io.weft.streams.timeout.GrpcTimeout;
import io.weft.streams.queue.SchedulerTimer;
import io.weft.streams.queue.Timer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Framing;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

import java.nio.ByteOrder;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeoutException;

/**
 * gRPC calls (unary and server streaming, protobuf messages, no compression) over an HTTP/2
 * service: what the proxy needs of its control plane, on the proxy's own HTTP/2 rather than a
 * second HTTP/2 stack (grpc-java's Netty) with its own threads and thousands of classes. A call's
 * failure is a {@link StatusRuntimeException} with the gRPC status the server or the transport gave.
 */
public final class GrpcClient {
  private static final String CONTENT_TYPE = "application/grpc";
  /** A gRPC message's prefix: the compressed flag and the length (4 bytes, big-endian). */
  private static final int PREFIX = 5;

  private final Service<Request, Response> http2;
  private final String authority;
  private final int maxMessageBytes;
  private final Materializer materializer;
  private final Timer timer;

  /** {@code authority}: the server's {@code host:port}; answers longer than {@code maxMessageBytes} fail the call. */
  public GrpcClient(Service<Request, Response> http2, String authority, int maxMessageBytes, Materializer materializer) {
    this.http2 = http2;
    this.authority = authority;
    this.maxMessageBytes = maxMessageBytes;
    this.materializer = materializer;
    this.timer = SchedulerTimer.of(materializer.system());
  }

  /** A call with one answer; with a {@code deadline}, it fails with DEADLINE_EXCEEDED when none came within it. */
  public <R> CompletionStage<R> unary(String method, MessageLite message, Parser<R> parser, Optional<Duration> deadline) {
    CompletableFuture<R> answer = PlainFuture.of(answers(method, message, parser, deadline).runWith(Sink.headOption(), materializer))
        .thenApply(first -> first.orElseThrow(() -> failure(Status.INTERNAL, method + " ended without an answer")));
    return deadline.map(d -> timer.failAfter(answer, d)
        .exceptionallyCompose(e -> CompletableFuture.failedFuture(
            e instanceof TimeoutException ? failure(Status.DEADLINE_EXCEEDED, method + " had no answer within " + d) : e)))
        .orElse(answer);
  }

  /** A call with a stream of answers, made when the source is run; cancelling the source resets the call's stream. */
  public <R> Source<R, NotUsed> serverStreaming(String method, MessageLite message, Parser<R> parser) {
    return answers(method, message, parser, Optional.empty());
  }

  private <R> Source<R, NotUsed> answers(String method, MessageLite message, Parser<R> parser, Optional<Duration> deadline) {
    // The call is made when the source runs: one element, mapped to the call. (javadsl's lazy
    // sources would do it too, but run a step of their materialized value on the JDK's common pool.)
    return Source.single(NotUsed.getInstance())
        .mapAsync(1, run -> http2.call(request(method, message, deadline))
            .thenApply(response -> messages(method, response, parser))
            .exceptionally(error -> Source.failed(transportFailure(method, error))))
        .flatMapConcat(answers -> answers);
  }

  private Request request(String method, MessageLite message, Optional<Duration> deadline) {
    Headers headers = new Headers().add("content-type", CONTENT_TYPE).add("te", "trailers");
    deadline.ifPresent(d -> headers.add(GrpcTimeout.HEADER, GrpcTimeout.format(d)));
    byte[] bytes = message.toByteArray();
    ByteString framed = new ByteStringBuilder().putByte((byte) 0).putInt(bytes.length, ByteOrder.BIG_ENDIAN)
        .putBytes(bytes).result();
    return new Request("POST", method, authority, HttpVersion.HTTP_2, headers, Body.of(framed));
  }

  private <R> Source<R, NotUsed> messages(String method, Response response, Parser<R> parser) {
    if (response.status() != 200) {
      Bodies.discard(response.body(), materializer);
      return Source.failed(failure(httpStatus(response.status()), method + " answered HTTP " + response.status()));
    }
    String trailersOnly = response.headers().get("grpc-status");
    if (trailersOnly != null) {
      Bodies.discard(response.body(), materializer);
      return ended(method, response.headers());
    }
    return bytes(response.body())
        .via(Framing.lengthField(Integer.BYTES, 1, maxMessageBytes + PREFIX, ByteOrder.BIG_ENDIAN))
        .map(frame -> parse(method, frame, parser))
        // The status is in the trailers, set by the time the body has ended (so not looked at before:
        // concatLazy runs the ending once the body is done).
        .concatLazy(Source.single(NotUsed.getInstance())
            .flatMapConcat(end -> ended(method, response.trailers() == null ? null : response.trailers().fields())))
        .mapError(org.apache.pekko.stream.scaladsl.Framing.FramingException.class,
            e -> failure(Status.INTERNAL, method + ": " + e.getMessage()))
        .mapMaterializedValue(ignored -> NotUsed.getInstance());
  }

  private static <R> R parse(String method, ByteString frame, Parser<R> parser) throws InvalidProtocolBufferException {
    if (frame.apply(0) != 0) {
      // Nothing is sent with grpc-accept-encoding, so a compressed message breaks the protocol.
      throw failure(Status.INTERNAL, method + " sent a compressed message, which was not asked for");
    }
    return parser.parseFrom(frame.drop(PREFIX).asByteBuffer());
  }

  private static <R> Source<R, NotUsed> ended(String method, Headers fields) {
    String status = fields == null ? null : fields.get("grpc-status");
    if (status == null) {
      return Source.failed(failure(Status.INTERNAL, method + " ended without a grpc-status"));
    }
    Status parsed;
    try {
      parsed = Status.fromCodeValue(Integer.parseInt(status));
    } catch (NumberFormatException e) {
      return Source.failed(failure(Status.INTERNAL, method + " ended with grpc-status '" + status + "'"));
    }
    if (parsed.isOk()) {
      return Source.empty();
    }
    String message = fields.get("grpc-message");
    return Source.failed(failure(parsed, message == null ? method : method + ": " + decodeMessage(message)));
  }

  private static Source<ByteString, ?> bytes(Body body) {
    return switch (body) {
      case Body.Empty e -> Source.empty();
      case Body.Strict s -> Source.single(s.bytes());
      case Body.Streamed s -> s.bytes();
      case Body.Tunnel t -> t.bytes();
    };
  }

  private static StatusRuntimeException transportFailure(String method, Throwable error) {
    Throwable cause = Failures.cause(error);
    return cause instanceof StatusRuntimeException known ? known
        : new StatusRuntimeException(Status.UNAVAILABLE.withDescription(method + ": " + cause.getMessage()).withCause(cause));
  }

  private static StatusRuntimeException failure(Status status, String description) {
    return new StatusRuntimeException(status.withDescription(description));
  }

  /** gRPC's mapping of an HTTP status that is not 200 (its HTTP/2 protocol document). */
  private static Status httpStatus(int status) {
    return switch (status) {
      case 400 -> Status.INTERNAL;
      case 401 -> Status.UNAUTHENTICATED;
      case 403 -> Status.PERMISSION_DENIED;
      case 404 -> Status.UNIMPLEMENTED;
      case 429, 502, 503, 504 -> Status.UNAVAILABLE;
      default -> Status.UNKNOWN;
    };
  }

  /** grpc-message is percent-encoded UTF-8. */
  private static String decodeMessage(String message) {
    try {
      return java.net.URLDecoder.decode(message.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IllegalArgumentException e) {
      return message;
    }
  }
}
