package io.weft.streams.http1;

import io.weft.streams.http.Request;
import io.weft.streams.http.Response;

import java.util.concurrent.CompletionStage;

/**
 * One HTTP/1 client connection, one exchange at a time: what {@link Http1Client} materializes.
 * Its owner (a pool) hears when it can take the next request and when it has closed.
 */
public interface Http1Connection {
  /** Sends {@code request}; the response completes at its head, its body streamed after. */
  CompletionStage<Response> send(Request request);

  /** False once the connection has closed or is closing. */
  boolean open();

  /** What the connection's owner is told, on the connection's own thread. */
  interface Listener {
    /** The exchange ended and the connection can be used again. */
    void idle(Http1Connection connection);

    /** The connection is gone. */
    void closed(Http1Connection connection);
  }
}
