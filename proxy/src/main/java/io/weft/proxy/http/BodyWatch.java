package io.weft.proxy.http;

import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.Response;
import io.weft.streams.http.Trailers;
import io.weft.streams.stage.Tally;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

/**
 * Sees a response's body to its end — how many bytes it had, the trailers it closed with (gRPC's
 * status), whether it failed — without changing what is sent.
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
    switch (response.body()) {
      case Body.Empty e -> ended.ended(0, trailers(response), null);
      case Body.Strict s -> ended.ended(s.bytes().size(), trailers(response), null);
      case Body.Streamed s -> response.body(new Body.Streamed(s.bytes().via(bytes(response, ended)), s.length()));
      case Body.Tunnel t -> response.body(new Body.Tunnel(t.bytes().via(bytes(response, ended))));
    }
  }

  /** The response's trailers as they stand (known once its body has ended). */
  private static Headers trailers(Response response) {
    Trailers trailers = response.trailers();
    return trailers == null || trailers.fields() == null ? NO_TRAILERS : trailers.fields();
  }

  private static Flow<ByteString, ByteString, NotUsed> bytes(Response response, Ended ended) {
    return Tally.of(new Tally.Listener() {
      private long count;

      @Override
      public void passed(int bytes) {
        count += bytes;
      }

      @Override
      public void ended(Throwable failure) {
        ended.ended(count, trailers(response), failure);
      }
    });
  }
}
