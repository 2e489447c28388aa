package io.weft.bench;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.ResponseFuture;
import org.apache.pekko.http.javadsl.settings.ClientConnectionSettings;
import org.apache.pekko.stream.BoundedSourceQueue;
import org.apache.pekko.stream.QueueOfferResult;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;


import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * The load driver's HTTP/2 client (Pekko HTTP's, over Pekko IO, so the driver measures the proxy
 * with a client that is not Weft's own code): one multiplexed HTTP/2 (prior knowledge) connection
 * per endpoint, shared by every request to it. A connection that fails or closes fails the requests still waiting on it and is
 * replaced by a new one on the next request, so a dead endpoint costs its in-flight requests only.
 */
public final class Http2Connections {
  /** Why a request failed without an answer from the endpoint. */
  static final class UpstreamFailure extends RuntimeException {
    UpstreamFailure(String message, Throwable cause) {
      super(message, cause, false, false);
    }
  }

  private final ActorSystem<?> system;
  private final Http http;
  private final Executor dispatcher;
  private final int queueSize;
  private final Map<InetSocketAddress, Connection> connections = new ConcurrentHashMap<>();
  /** After this a connection takes no new requests (the next one opens a new connection). */
  private final Optional<Duration> maxLifetime;

  public Http2Connections(ActorSystem<?> system, int queueSize, Optional<Duration> maxLifetime) {
    this.system = system;
    this.maxLifetime = maxLifetime;
    this.http = Http.get(system);
    this.dispatcher = system.executionContext();
    this.queueSize = queueSize;
  }

  /**
   * Sends {@code request} to {@code endpoint} over its connection, made with {@code settings} (which
   * carry the transport: direct, or through the peer's proxy) when there is none.
   */
  public CompletableFuture<HttpResponse> send(InetSocketAddress endpoint, ClientConnectionSettings settings,
                                              HttpRequest request) {
    Connection connection = connections.computeIfAbsent(endpoint, e -> open(e, settings));
    CompletableFuture<HttpResponse> sent = connection.send(request);
    if (sent == null) {
      // Retired between the lookup and the offer: nothing was sent, so the next connection takes it.
      sent = connections.computeIfAbsent(endpoint, e -> open(e, settings)).send(request);
    }
    return sent != null ? sent
        : CompletableFuture.failedFuture(new UpstreamFailure("connection to " + endpoint + " closed before the request", null));
  }

  private Connection open(InetSocketAddress endpoint, ClientConnectionSettings settings) {
    Connection connection = new Connection(endpoint);
    var flow = http.connectionTo(endpoint.getHostString()).toPort(endpoint.getPort())
        .withClientConnectionSettings(settings).http2WithPriorKnowledge();
    var materialized = Source.<HttpRequest>queue(queueSize)
        .viaMat(flow, Keep.both())
        .toMat(Sink.foreach(connection::answered), Keep.both())
        .run(system);
    connection.queue = materialized.first().first();
    materialized.first().second().whenComplete((ok, error) -> {
      if (error != null) {
        connection.closed(error);
      }
    });
    materialized.second().whenComplete((done, error) -> connection.closed(error));
    maxLifetime.ifPresent(lifetime -> system.scheduler().scheduleOnce(lifetime, connection::retire, system.executionContext()));
    return connection;
  }

  private final class Connection {
    private final InetSocketAddress endpoint;
    private final Set<CompletableFuture<HttpResponse>> waiting = ConcurrentHashMap.newKeySet();
    private volatile BoundedSourceQueue<HttpRequest> queue;
    private volatile boolean closed;
    private volatile boolean retired;

    Connection(InetSocketAddress endpoint) {
      this.endpoint = endpoint;
    }

    /** The response to come, or null when the connection was retired and took nothing. */
    CompletableFuture<HttpResponse> send(HttpRequest request) {
      CompletableFuture<HttpResponse> response = new CompletableFuture<>();
      waiting.add(response);
      QueueOfferResult offered = closed ? QueueOfferResult.closed()
          : queue.offer(request.addAttribute(ResponseFuture.KEY(), new ResponseFuture(response)));
      if (offered == QueueOfferResult.closed() && retired) {
        waiting.remove(response);
        return null;
      }
      if (offered != QueueOfferResult.enqueued()) {
        waiting.remove(response);
        response.completeExceptionally(new UpstreamFailure("connection to " + endpoint + " refused the request: "
            + offered, null));
      }
      // Callbacks run on the proxy's dispatcher: the connection's stream completes the future.
      return response.whenCompleteAsync((r, e) -> waiting.remove(response), dispatcher);
    }

    void answered(HttpResponse response) {
      response.getAttribute(ResponseFuture.KEY()).ifPresent(association -> association.future().complete(response));
    }

    /**
     * Takes no new requests (the next one opens a new connection); those already sent finish on
     * this one, which closes once they have.
     */
    void retire() {
      retired = true;
      if (connections.remove(endpoint, this) && queue != null) {
        queue.complete();
      }
    }

    void closed(Throwable cause) {
      closed = true;
      connections.remove(endpoint, this);
      UpstreamFailure failure = new UpstreamFailure("connection to " + endpoint + " closed", cause);
      for (CompletableFuture<HttpResponse> pending : waiting) {
        pending.completeExceptionally(failure);
      }
      if (queue != null) {
        queue.complete();
      }
    }
  }
}
