package io.weft.streams.http2;

import io.weft.streams.http.Connector;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.http1.ConnectFailedException;
import io.weft.streams.http1.ConnectionClosedException;
import io.weft.streams.service.Failures;
import io.weft.streams.service.Service;
import org.apache.pekko.actor.Scheduler;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Keep;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * One multiplexed HTTP/2 connection to an endpoint, as a {@link Service}: every request shares it,
 * and one that closes (or is retired after its lifetime) is replaced by a new one on the next
 * request, so a dead endpoint costs only the requests in flight on it. A connection that could not
 * be made fails its requests with {@link ConnectFailedException}: nothing was sent. A request the
 * server never took is sent once more when its body is in hand.
 */
public final class Http2Endpoint implements Service<Request, Response> {
  private final Materializer materializer;
  private final Connector connector;
  private final Http2Settings settings;
  private final Optional<Duration> lifetime;
  private final String endpoint;
  private final AtomicReference<Current> current = new AtomicReference<>();

  /** A connection and whether its transport connected. */
  private record Current(Http2Client.Connection connection, CompletionStage<?> connected) {}

  /** {@code endpoint}: how errors name where the connection went. */
  public Http2Endpoint(Materializer materializer, Connector connector, Http2Settings settings, Optional<Duration> lifetime,
                       String endpoint) {
    this.materializer = materializer;
    this.connector = connector;
    this.settings = settings;
    this.lifetime = lifetime;
    this.endpoint = endpoint;
  }

  @Override
  public CompletionStage<Response> call(Request request) {
    CompletionStage<Response> first = send(request);
    if (!request.body().replayable()) {
      return first;
    }
    // A request the server never took (refused before its settings arrived, or the connection going
    // away) is sent once more, on this connection if it still takes requests, else on a new one.
    return first.exceptionallyCompose(error -> {
      Throwable cause = Failures.cause(error);
      return cause instanceof ConnectionClosedException closed && !closed.requestSent()
          ? send(request) : CompletableFuture.failedFuture(cause);
    });
  }

  private CompletionStage<Response> send(Request request) {
    Current connection = connection();
    return connection.connection().send(request).exceptionallyCompose(error ->
        // Until the transport says whether it connected, a failure may be either kind.
        connection.connected().handle((ok, notConnected) -> {
          throw notConnected != null
              ? new ConnectFailedException("connecting to " + endpoint + " failed: " + notConnected.getMessage(), notConnected)
              : error instanceof RuntimeException r ? r : new IllegalStateException(error);
        }));
  }

  private Current connection() {
    while (true) {
      Current existing = current.get();
      if (existing != null && existing.connection().accepting()) {
        return existing;
      }
      var made = connector.connect().joinMat(Http2Client.flow(settings), Keep.both()).run(materializer);
      Current fresh = new Current(made.second(), made.first());
      if (current.compareAndSet(existing, fresh)) {
        lifetime.ifPresent(after -> retireAfter(fresh, after));
        return fresh;
      }
      fresh.connection().retire(); // another request made one first
    }
  }

  private void retireAfter(Current connection, Duration after) {
    Scheduler scheduler = materializer.system().scheduler();
    scheduler.scheduleOnce(after, () -> {
      current.compareAndSet(connection, null);
      connection.connection().retire();
    }, materializer.executionContext());
  }
}
