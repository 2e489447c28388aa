package io.weft.streams.http1;

import io.weft.streams.http.Connector;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.service.Service;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.util.ByteString;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedDeque;

/**
 * Keep-alive HTTP/1 connections to one endpoint, as a {@link Service}: a request takes the most
 * recently idle connection (so a steady load keeps few connections warm) or opens a new one; the
 * connection returns when its exchange is over and closes itself after the idle timeout. A request
 * that finds its reused connection closed by the server (the keep-alive race) is sent again on a
 * new connection when that is safe: nothing was sent, or the request is idempotent and its body in
 * hand. How connections are made ({@code connect}: TCP, or mesh TLS to a peer proxy) is the
 * caller's; a failure to connect is a {@link ConnectFailedException}.
 */
public final class Http1Pool implements Service<Request, Response>, Http1Connection.Listener {
  /**
   * {@code idleTimeout}: an unused connection closes after it; {@code lifetime}: a connection
   * older than this finishes its exchange and closes (new connections, new TLS handshakes).
   */
  public record Settings(Http1Limits limits, Duration idleTimeout, Optional<Duration> lifetime) {}

  private final Materializer materializer;
  private final Connector connector;
  private final Settings settings;
  private final String endpoint;
  private final ConcurrentLinkedDeque<Http1Connection> idle = new ConcurrentLinkedDeque<>();

  /** {@code endpoint}: how errors name where the connection went. */
  public Http1Pool(Materializer materializer, Connector connector, Settings settings, String endpoint) {
    this.materializer = materializer;
    this.connector = connector;
    this.settings = settings;
    this.endpoint = endpoint;
  }

  @Override
  public CompletionStage<Response> call(Request request) {
    Http1Connection reused;
    while ((reused = idle.pollFirst()) != null) {
      if (reused.open()) {
        Http1Connection connection = reused;
        return connection.send(request).exceptionallyCompose(error -> {
          if (!(error instanceof ConnectionClosedException closed)) {
            return CompletableFuture.failedFuture(error);
          }
          boolean safe = !closed.requestSent() || (request.idempotent() && request.body().replayable());
          return safe ? sendOnNew(request) : CompletableFuture.failedFuture(error);
        });
      }
    }
    return sendOnNew(request);
  }

  private CompletionStage<Response> sendOnNew(Request request) {
    Flow<ByteString, ByteString, CompletionStage<?>> transport = connector.connect();
    var materialized = transport.joinMat(Flow.fromGraph(new Http1Client(settings, this)), Keep.both()).run(materializer);
    CompletionStage<?> connected = materialized.first();
    return materialized.second().send(request).exceptionallyCompose(error -> connected.handle((c, connectError) -> {
      Throwable cause = connectError != null ? new ConnectFailedException("could not connect to " + endpoint, connectError) : error;
      return CompletableFuture.<Response>failedFuture(cause);
    }).thenCompose(failed -> failed));
  }

  @Override
  public void idle(Http1Connection connection) {
    idle.addFirst(connection);
  }

  @Override
  public void closed(Http1Connection connection) {
    idle.remove(connection);
  }
}
