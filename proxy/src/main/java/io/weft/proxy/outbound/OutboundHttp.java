package io.weft.proxy.outbound;

import io.linkerd.proxy.destination.WeightedAddr;
import io.weft.protocol.net.TcpAddresses;
import io.weft.proxy.config.ProxyConfig;
import io.weft.proxy.discovery.Discovery;
import io.weft.proxy.discovery.Resolution;
import io.weft.proxy.http.ErrorResponses;
import io.weft.proxy.identity.MeshTls;
import io.weft.proxy.http.HttpForwarder;
import io.weft.proxy.http.RequestAuthority;
import io.weft.proxy.tcp.ThisHost;
import io.weft.proxy.metrics.HttpMetrics;
import io.weft.streams.balance.P2cBalancer;
import io.weft.streams.queue.FailfastQueue;
import io.weft.streams.queue.ProxyError;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

/**
 * The outbound HTTP path: each request is routed by its authority (or {@code l5d-dst-override}),
 * waits in the service's failfast queue for a ready endpoint, goes to the endpoint P2C picks over
 * a pooled connection, and feeds the response time back into that endpoint's load. A service the
 * control plane says does not exist is reached at the address as given, as Linkerd falls back.
 */
public final class OutboundHttp {
  private static final Logger log = LoggerFactory.getLogger(OutboundHttp.class);

  private final Discovery discovery;
  private final String clusterDomain;
  private final Duration failfastTimeout;
  private final HttpMetrics metrics;
  private final HttpForwarder forwarder;
  private final Set<Integer> ownPorts;
  private final PeerIdentity peers;

  /** {@code ownPorts}: the proxy's listening ports; a request addressed to one of them on this host loops. */
  public OutboundHttp(ActorSystem<?> system, Discovery discovery, String clusterDomain, ProxyConfig.Side side,
                      HttpMetrics metrics, Set<Integer> ownPorts) {
    this(system, discovery, clusterDomain, side, metrics, ownPorts, Optional.empty());
  }

  /** {@code tls}: this proxy's mesh TLS, used for every endpoint discovery names an identity for. */
  public OutboundHttp(ActorSystem<?> system, Discovery discovery, String clusterDomain, ProxyConfig.Side side,
                      HttpMetrics metrics, Set<Integer> ownPorts, Optional<MeshTls> tls) {
    this.peers = new PeerIdentity(tls);
    this.metrics = metrics;
    this.ownPorts = ownPorts;
    this.failfastTimeout = side.failfastTimeout();
    this.discovery = discovery;
    this.clusterDomain = clusterDomain;
    // Streams past the endpoint's concurrency limit wait on its connection; the failfast queue's
    // in-flight limit already bounds how many there can be.
    this.forwarder = new HttpForwarder(system, side.maxInFlight(), tls);
  }

  CompletionStage<HttpResponse> handle(HttpRequest request) {
    long received = System.nanoTime();
    String authority = request.getHeader(OutboundTarget.DST_OVERRIDE).map(h -> h.value())
        .orElseGet(() -> RequestAuthority.of(request));
    Optional<OutboundTarget> target = OutboundTarget.parse(authority, clusterDomain);
    if (target.isEmpty()) {
      return CompletableFuture.completedFuture(ErrorResponses.of(ProxyError.UNEXPECTED, request));
    }
    OutboundTarget t = target.get();
    if (ownPorts.contains(t.port()) && ThisHost.is(t.host())) {
      // Addressed to the proxy itself: sending it on would come straight back, forever.
      return CompletableFuture.completedFuture(ErrorResponses.of(ProxyError.GATEWAY_LOOP, request));
    }
    if (t.discoveryPath().isEmpty()) {
      return measured(HttpMetrics.Target.outbound(t.host() + ":" + t.port(), null, Map.of()), received,
          forward(request, t.host(), t.port()));
    }
    Resolution resolution = discovery.resolve(t.discoveryPath().get());
    // A new authority waits for the control plane's first answer (never longer than the failfast
    // timeout), so a name that is not a Service is reached as addressed instead of failing fast.
    return resolution.answered().toCompletableFuture().completeOnTimeout(null, failfastTimeout.toMillis(), TimeUnit.MILLISECONDS)
        .thenCompose(answered -> route(resolution, request, t, received));
  }

  private CompletionStage<HttpResponse> route(Resolution resolution, HttpRequest request, OutboundTarget t, long received) {
    String authority = t.discoveryPath().orElseThrow();
    if (!resolution.exists().orElse(false)) {
      // Not a service of this cluster, or the control plane has not answered in time: reached as
      // addressed, which is what the application asked for (Linkerd would fail fast instead).
      return measured(HttpMetrics.Target.outbound(authority, null, Map.of()), received, forward(request, t.host(), t.port()));
    }
    return resolution.queue().admit().thenCompose(admission -> switch (admission) {
      case FailfastQueue.Admission.Refused refused -> measured(HttpMetrics.Target.outbound(authority, null,
          resolution.serviceLabels()), received, CompletableFuture.completedFuture(ErrorResponses.of(refused.error(), request)));
      case FailfastQueue.Admission.Admitted admitted -> dispatch(resolution, request, authority, received)
          .whenComplete((response, error) -> resolution.queue().release());
    });
  }

  /** Counts the request now and its response when its head is ready. */
  private CompletionStage<HttpResponse> measured(HttpMetrics.Target target, long received, CompletionStage<HttpResponse> response) {
    metrics.requested(target);
    return response.whenComplete((r, error) -> {
      if (r != null) {
        metrics.responded(target, r, System.nanoTime() - received);
      }
    });
  }

  private CompletionStage<HttpResponse> dispatch(Resolution resolution, HttpRequest request, String authority, long received) {
    return attempt(resolution, request, authority, received, resolution.balancer().size(), null, null);
  }

  /**
   * Sends the request to the endpoint P2C picks. An endpoint that refuses the connection is skipped
   * for a backoff, and a request that got no answer goes to another endpoint when that is safe, so
   * a dead pod that discovery still lists costs no more than the requests in flight on it.
   */
  private CompletionStage<HttpResponse> attempt(Resolution resolution, HttpRequest request, String authority,
                                                long received, int attemptsLeft, HttpMetrics.Target counted,
                                                P2cBalancer.Endpoint<WeightedAddr> failed) {
    Optional<P2cBalancer.Endpoint<WeightedAddr>> picked = resolution.balancer().pickAvoiding(failed);
    if (picked.isEmpty()) {
      return measured(HttpMetrics.Target.outbound(authority, null, resolution.serviceLabels()), received,
          CompletableFuture.completedFuture(ErrorResponses.of(ProxyError.LOAD_SHED, request)));
    }
    P2cBalancer.Endpoint<WeightedAddr> endpoint = picked.get();
    HttpMetrics.Target target = HttpMetrics.Target.outbound(authority, endpoint.id(), resolution.serviceLabels(),
        peers.labels(endpoint.id()));
    if (counted == null) {
      metrics.requested(target);
    }
    InetSocketAddress address = TcpAddresses.toSocketAddress(endpoint.id().getAddr());
    long sentAt = endpoint.load().started();
    return forwarder.send(request, upstreamFor(endpoint.id(), address), OutboundTarget.DST_OVERRIDE).handle((response, error) -> {
      if (error == null) {
        endpoint.load().completed(sentAt); // sampled at the response head
        endpoint.reachable();
        return responded(target, received, response);
      }
      endpoint.load().abandoned();
      boolean refused = HttpForwarder.refused(error);
      if (refused) {
        endpoint.unreachable();
      }
      // No answer came. A refused connection saw nothing of the request; an idempotent request may
      // be sent again whatever happened to it (as Pekko's pool would, on the same endpoint).
      if (attemptsLeft > 1 && request.entity().isStrict() && (refused || request.method().isIdempotent())) {
        return attempt(resolution, request, authority, received, attemptsLeft - 1, target, endpoint);
      }
      log.debug("forwarding to {} failed: {}", address, error.toString());
      return responded(target, received, ErrorResponses.of(ProxyError.CONNECTION_FAILED, request,
          HttpForwarder.tlsRefusal(error)));
    }).thenCompose(response -> response);
  }

  private CompletionStage<HttpResponse> responded(HttpMetrics.Target target, long received, HttpResponse response) {
    metrics.responded(target, response, System.nanoTime() - received);
    return CompletableFuture.completedFuture(response);
  }

  /** A meshed endpoint (its hint names the peer proxy's inbound port) is reached through that proxy. */
  private HttpForwarder.Upstream upstreamFor(WeightedAddr endpoint, InetSocketAddress address) {
    int inboundPort = endpoint.getProtocolHint().getOpaqueTransport().getInboundPort();
    return inboundPort == 0 ? forwarder.direct(address) : forwarder.viaPeerProxy(address, inboundPort, peers.of(endpoint));
  }

  /** Sends the request to an address that is not a balanced endpoint; failures become 502s. */
  private CompletionStage<HttpResponse> forward(HttpRequest request, String host, int port) {
    return forwarder.send(request, forwarder.direct(InetSocketAddress.createUnresolved(host, port)), OutboundTarget.DST_OVERRIDE)
        .exceptionally(error -> {
          log.debug("forwarding to {}:{} failed: {}", host, port, error.toString());
          return ErrorResponses.of(ProxyError.CONNECTION_FAILED, request);
        });
  }
}
