package io.weft.proxy.inbound;

import io.weft.proxy.config.ProxyConfig;
import io.weft.proxy.http.FailureResponses;
import io.weft.proxy.http.HttpClients;
import io.weft.proxy.http.OrigProto;
import io.weft.proxy.metrics.HttpMetrics;
import io.weft.proxy.tap.Taps;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.service.Layer;
import io.weft.streams.service.Service;
import org.apache.pekko.actor.typed.ActorSystem;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The inbound HTTP path, assembled from layers: a request for this pod, from a peer proxy or
 * intercepted, is counted in Linkerd's inbound families (what `viz stat` reads for the callee),
 * is shown to any tap that matches it, gets the client's mesh identity in {@code l5d-client-id} and its original protocol back if a
 * peer proxy upgraded it, waits in its application port's {@link ApplicationGate}, and goes to
 * the application over the port's pooled connections.
 */
public final class InboundHttp {
  /** Linkerd's header naming the client's mesh identity to the application. */
  static final String CLIENT_ID = "l5d-client-id";

  private final ActorSystem<?> system;
  private final HttpClients clients;
  private final HttpMetrics metrics;
  private final ProxyConfig.Side side;
  private final Duration connectTimeout;
  private final Taps taps;
  /** Each application port's queue and connections, behind every connection's own layers. */
  private final Map<InetSocketAddress, Service<Request, Response>> applications = new ConcurrentHashMap<>();

  public InboundHttp(ActorSystem<?> system, HttpClients clients, HttpMetrics metrics, ProxyConfig.Side side,
                     Duration connectTimeout, Taps taps) {
    this.taps = taps;
    this.system = system;
    this.clients = clients;
    this.metrics = metrics;
    this.side = side;
    this.connectTimeout = connectTimeout;
  }

  /** The service for one connection's requests from {@code remote} to {@code application}; {@code peer}: how the connection came in. */
  Service<Request, Response> service(InetSocketAddress application, HttpMetrics.Tls peer, InetSocketAddress remote) {
    Service<Request, Response> port = applications.computeIfAbsent(application, a -> new FailureResponses("inbound")
        .andThen(new ApplicationGate(system, a, side, connectTimeout)).wrap(clients.direct(a)));
    return metrics.layer(request -> HttpMetrics.Target.inbound(request.authority(), peer))
        .andThen(taps.inbound(remote, application, peer))
        .andThen(clientIdentity(peer.clientId()))
        .wrap(port);
  }

  /**
   * Only this proxy may say who the client is: whatever the client wrote in the header is dropped.
   * A peer proxy's upgraded HTTP/1 request goes to the application as HTTP/1 again.
   */
  private static Layer<Request, Response> clientIdentity(String clientId) {
    return inner -> request -> {
      OrigProto.downgrade(request);
      request.headers().remove(CLIENT_ID);
      if (!clientId.isEmpty()) {
        request.headers().add(CLIENT_ID, clientId);
      }
      return inner.call(request);
    };
  }
}
