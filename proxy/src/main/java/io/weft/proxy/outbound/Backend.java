package io.weft.proxy.outbound;

import io.linkerd.proxy.outbound.OutboundPolicy;
import io.weft.proxy.discovery.LatestAnswer;
import io.linkerd.proxy.destination.WeightedAddr;
import io.weft.protocol.net.TcpAddresses;
import io.weft.proxy.discovery.Resolution;
import io.weft.proxy.http.ConnectFailures;
import io.weft.proxy.http.FailureResponses;
import io.weft.proxy.http.HttpClients;
import io.weft.proxy.metrics.HttpMetrics;
import io.weft.proxy.tap.Taps;
import io.weft.streams.balance.Balancer;
import io.weft.streams.balance.P2cBalancer;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.queue.FailfastLayer;
import io.weft.streams.queue.FailfastQueue;
import io.weft.streams.service.Service;

import java.net.InetSocketAddress;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * One Service's outbound stack, over its resolution's endpoints: metrics (labelled with the
 * endpoint the request went to), failures answered as Linkerd's errors, the failfast queue (which
 * waits while no endpoint is ready), and P2C over each endpoint's connections, passing over
 * endpoints the Service's failure accrual has ejected. An endpoint that
 * leaves the set is let go; its idle connections close on their idle timeout.
 */
final class Backend implements Service<Request, Response> {
  private final Resolution resolution;
  private final HttpClients clients;
  private final PeerIdentity peers;
  private final Map<WeightedAddr, Service<Request, Response>> endpoints = new ConcurrentHashMap<>();
  /** Each endpoint's metric labels, made once per endpoint and Service labels rather than per request. */
  private final Map<WeightedAddr, Labelled> targets = new ConcurrentHashMap<>();
  private final Service<Request, Response> stack;
  private final String authority;
  private final P2cBalancer<WeightedAddr> balancer;
  private final Function<String, Optional<LatestAnswer<OutboundPolicy>>> policies;
  private final Set<LatestAnswer<OutboundPolicy>> following = ConcurrentHashMap.newKeySet();
  private final Taps taps;

  /** {@code target} as labelled while the Service's labels were {@code service} (compared by identity: each update makes new ones). */
  private record Labelled(Map<String, String> service, HttpMetrics.Target target) {}

  /**
   * {@code policies}: the outbound policy of an authority, when the proxy has a policy service; a
   * Service's policy is followed while its requests come (its failure accrual drives the balancer).
   */
  Backend(Resolution resolution, String authority, P2cBalancer<WeightedAddr> balancer, FailfastQueue queue,
          HttpClients clients, PeerIdentity peers, HttpMetrics metrics, Function<String, Optional<LatestAnswer<OutboundPolicy>>> policies,
          Taps taps) {
    this.taps = taps;
    this.resolution = resolution;
    this.authority = authority;
    this.balancer = balancer;
    this.policies = policies;
    this.clients = clients;
    this.peers = peers;
    resolution.subscribe(current -> {
      Set<WeightedAddr> keep = new HashSet<>(current);
      endpoints.keySet().retainAll(keep);
      targets.keySet().retainAll(keep);
      queue.readiness(!current.isEmpty());
    });
    this.stack = metrics.layer(request -> target(authority, request))
        .andThen(new FailureResponses(authority))
        .andThen(new FailfastLayer(queue))
        .wrap(new Balancer<>(balancer, endpoint -> endpoints.computeIfAbsent(endpoint, this::client), ConnectFailures::refused));
  }

  @Override
  public CompletionStage<Response> call(Request request) {
    followPolicy();
    resolution.hold();
    return stack.call(request).whenComplete((response, error) -> resolution.release());
  }

  /**
   * Asks for the policy (which keeps it followed) when the authority is a Service's — a pod's
   * address has none — and subscribes to each policy stream discovery starts for it.
   */
  private void followPolicy() {
    if (!resolution.isService()) {
      return;
    }
    policies.apply(authority).ifPresent(policy -> {
      if (!following.contains(policy) && following.add(policy)) {
        policy.dropped().thenRun(() -> following.remove(policy));
        policy.subscribe(answer -> balancer.failureAccrual(Balancing.failureAccrual(answer)));
      }
    });
  }

  private HttpMetrics.Target target(String authority, Request request) {
    P2cBalancer.Endpoint<?> picked = request.get(P2cBalancer.Endpoint.class);
    Map<String, String> service = resolution.serviceLabels();
    if (picked == null) {
      return HttpMetrics.Target.outbound(authority, null, service);
    }
    WeightedAddr endpoint = (WeightedAddr) picked.id();
    Labelled known = targets.get(endpoint);
    if (known == null || known.service() != service) {
      known = new Labelled(service, HttpMetrics.Target.outbound(authority, endpoint, service, peers.labels(endpoint)));
      targets.put(endpoint, known);
    }
    return known.target();
  }

  /**
   * A meshed endpoint (its hint names the peer proxy's inbound port) is reached through that proxy;
   * taps see each request with the endpoint's labels.
   */
  private Service<Request, Response> client(WeightedAddr endpoint) {
    InetSocketAddress address = TcpAddresses.toSocketAddress(endpoint.getAddr());
    int inboundPort = endpoint.getProtocolHint().getOpaqueTransport().getInboundPort();
    Map<String, String> labels = new java.util.HashMap<>(resolution.serviceLabels());
    labels.putAll(endpoint.getMetricLabelsMap());
    return taps.outbound(address, labels, peers.labels(endpoint)).wrap(inboundPort == 0 ? clients.direct(address)
        : clients.viaPeerProxy(address, inboundPort, peers.of(endpoint)));
  }
}
