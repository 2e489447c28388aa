package io.weft.streams.http;

import io.weft.streams.stage.Handoff;
import io.weft.streams.stage.PlainFuture;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/** What the request path does with a body it does not pass on as it came. */
public final class Bodies {
  private Bodies() {}

  /** Lets go of a body nobody will read, so the connection it streams from is freed (or closed). */
  public static void discard(Body body, Materializer materializer) {
    switch (body) {
      case Body.Streamed s -> s.bytes().runWith(Sink.cancelled(), materializer);
      case Body.Tunnel t -> t.bytes().runWith(Sink.cancelled(), materializer);
      case Body.Empty e -> { }
      case Body.Strict s -> { }
    }
  }

  /**
   * Hands {@code event} (carrying {@code response}, when there is one) to a stage; if the stage has
   * stopped meanwhile (its connection closed while the answer was on its way), lets the
   * response's body go, or the connection it streams from would be held, and whoever counts the
   * body's end (a drain) would wait for it forever.
   */
  public static <T> void handTo(org.apache.pekko.stream.stage.AsyncCallback<T> stage, T event, Response response,
                                Materializer materializer) {
    Handoff.invoke(stage, event, stopped -> {
      if (response != null) {
        discard(response.body(), materializer);
      }
    });
  }

  /**
   * The body in hand when it is at most {@code limit} bytes, so it can be sent again; a longer one
   * (or a tunnel) comes back streamed as it would have been, with what was read put back in front.
   */
  public static CompletionStage<Body> inHandUpTo(Body body, long limit, Materializer materializer) {
    if (!(body instanceof Body.Streamed streamed) || streamed.length() > limit) {
      return CompletableFuture.completedFuture(body);
    }
    return gather(streamed.bytes(), ByteString.emptyByteString(), limit, streamed.length(), materializer);
  }

  private static CompletionStage<Body> gather(Source<ByteString, ?> rest, ByteString held, long limit, long length,
                                              Materializer materializer) {
    return PlainFuture.of(rest.prefixAndTail(1).runWith(Sink.head(), materializer)).thenCompose(split -> {
      List<ByteString> first = split.first();
      if (first.isEmpty()) {
        return CompletableFuture.completedFuture(Body.of(held));
      }
      ByteString next = held.concat(first.getFirst());
      if (next.size() > limit) {
        return CompletableFuture.completedFuture(new Body.Streamed(Source.single(next).concat(split.second()), length));
      }
      return gather(split.second(), next, limit, length, materializer);
    });
  }
}
