package io.weft.proxy.http;

import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.Response;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

import java.util.concurrent.atomic.AtomicLong;

/**
 * Sees a response's body to its end — how many bytes it had, the trailers it closed with, whether
 * it failed — without changing what is sent. An HTTP/2 body that came as Pekko chunks stays chunks
 * with its trailers (gRPC's status), so {@link Http2Bridge} still forwards it as it came.
 */
public final class BodyWatch {
  /** How a body ended: {@code trailers} empty when it had none; {@code failure} null when it ended cleanly. */
  @FunctionalInterface
  public interface Ended {
    void ended(long bytes, Headers trailers, Throwable failure);
  }

  private static final Headers NO_TRAILERS = new Headers();

  private BodyWatch() {}

  /** Calls {@code ended} once, when {@code response}'s body has been sent or has failed (at once for a body in hand). */
  public static void watch(Response response, Ended ended) {
    Body body = response.body();
    Http2Bridge.Origin origin = response.get(Http2Bridge.Origin.class);
    if (origin != null && origin.body() == body && origin.entity() instanceof HttpEntity.Chunked chunked) {
      ResponseEntity entity = Http2Bridge.chunked(chunked.getContentType(), chunked.getChunks().via(chunks(ended)));
      Body watched = Http2Bridge.body(entity);
      response.body(watched).put(Http2Bridge.Origin.class, new Http2Bridge.Origin(watched, entity));
      return;
    }
    switch (body) {
      case Body.Empty e -> ended.ended(0, NO_TRAILERS, null);
      case Body.Strict s -> ended.ended(s.bytes().size(), NO_TRAILERS, null);
      case Body.Streamed s -> response.body(new Body.Streamed(s.bytes().via(bytes(ended)), s.length()));
      case Body.Tunnel t -> response.body(new Body.Tunnel(t.bytes().via(bytes(ended))));
    }
  }

  private static Flow<ByteString, ByteString, NotUsed> bytes(Ended ended) {
    AtomicLong count = new AtomicLong();
    return Flow.<ByteString>create().map(chunk -> {
      count.addAndGet(chunk.size());
      return chunk;
    }).watchTermination((mat, done) -> {
      done.whenComplete((ok, failure) -> ended.ended(count.get(), NO_TRAILERS, failure));
      return mat;
    });
  }

  private static Flow<HttpEntity.ChunkStreamPart, HttpEntity.ChunkStreamPart, NotUsed> chunks(Ended ended) {
    AtomicLong count = new AtomicLong();
    Headers trailers = new Headers();
    return Flow.<HttpEntity.ChunkStreamPart>create().map(chunk -> {
      count.addAndGet(chunk.data().size());
      if (chunk.isLastChunk()) {
        for (HttpHeader field : chunk.getTrailerHeaders()) {
          trailers.add(field.name(), field.value());
        }
      }
      return chunk;
    }).watchTermination((mat, done) -> {
      done.whenComplete((ok, failure) -> ended.ended(count.get(), trailers, failure));
      return mat;
    });
  }
}
