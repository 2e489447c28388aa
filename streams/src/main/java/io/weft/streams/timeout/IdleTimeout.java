package io.weft.streams.timeout;

import io.weft.streams.http.Body;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.service.Layer;
import io.weft.streams.service.Service;

import java.time.Duration;

/**
 * Ends a request whose bytes stop flowing for {@code idle} (Linkerd's {@code timeout.linkerd.io/idle}):
 * a streamed request or response body that goes that long without a chunk fails, which resets the
 * stream (HTTP/2) or closes the connection (HTTP/1) — the other end learns the message was cut.
 * Waiting for the response head is a {@link Timeout}'s business; bodies already in hand cannot idle.
 */
public final class IdleTimeout implements Layer<Request, Response> {
  private final Duration idle;

  public IdleTimeout(Duration idle) {
    this.idle = idle;
  }

  @Override
  public Service<Request, Response> wrap(Service<Request, Response> inner) {
    return request -> inner.call(request.body(watched(request.body()))).thenApply(response -> response.body(watched(response.body())));
  }

  private Body watched(Body body) {
    return switch (body) {
      case Body.Streamed streamed -> new Body.Streamed(streamed.bytes().idleTimeout(idle), streamed.length());
      case Body.Tunnel tunnel -> new Body.Tunnel(tunnel.bytes().idleTimeout(idle));
      default -> body;
    };
  }
}
