package io.weft.proxy.outbound;

import io.linkerd.proxy.destination.DestinationProfile;
import io.linkerd.proxy.outbound.OutboundPolicy;
import io.weft.proxy.discovery.LatestAnswer;
import io.weft.protocol.net.TcpAddresses;
import io.weft.proxy.discovery.Discovery;
import io.weft.proxy.discovery.Resolution;
import io.weft.proxy.http.ClientAddress;
import io.weft.proxy.http.FailureResponses;
import io.weft.proxy.tap.Taps;
import io.weft.proxy.http.HttpClients;
import io.weft.proxy.identity.MeshTls;
import io.weft.proxy.metrics.HttpMetrics;
import io.weft.proxy.metrics.ProxyMetrics;
import io.weft.proxy.tcp.ThisHost;
import io.weft.streams.http.ProxyResponses;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.queue.FailfastQueue;
import io.weft.streams.http.ProxyError;
import io.weft.streams.queue.SchedulerTimer;
import io.weft.streams.service.Service;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;
import org.apache.pekko.stream.Materializer;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The outbound HTTP path. A connection the pod's iptables redirected here is routed by its
 * original destination, as Linkerd routes: a Service's cluster IP and port, a pod's address, or
 * anything else as addressed — the Host header plays no part. A connection made to the outbound
 * port itself (no original destination, as in the local demo), or any connection in ingress mode,
 * is routed request by request by {@code l5d-dst-override} or the authority. Either way a Service's
 * requests go to its {@link Backend} — the layered stack over the endpoints discovery names — and
 * an address the control plane does not know is reached as given, as Linkerd falls back.
 */
public final class OutboundHttp {
  private final ActorSystem<?> system;
  private final Discovery discovery;
  private final String clusterDomain;
  private final Balancing balancing;
  private final HttpMetrics metrics;
  private final HttpClients clients;
  private final Set<Integer> ownPorts;
  private final boolean ingressMode;
  private final PeerIdentity peers;
  private final LogicalService.Settings routing;
  private final PerFollowed<Resolution, Backend> backends = new PerFollowed<>();
  private final PerFollowed<LatestAnswer<DestinationProfile>, LogicalService> logicals = new PerFollowed<>();
  /** Names the actor of each logical destination (authorities are not valid actor names). */
  private static final java.util.concurrent.atomic.AtomicLong LOGICAL_IDS = new java.util.concurrent.atomic.AtomicLong();
  /** Addresses reached as given, each with its own connections and metric labels. */
  private final Map<Addressed, Service<Request, Response>> addressed = new ConcurrentHashMap<>();
  private final Taps taps;

  private record Addressed(String label, String host, int port) {}

  /**
   * {@code ownPorts}: the proxy's listening ports (a request addressed to one of them on this host
   * loops); {@code ingressMode}: every request is routed by its {@code l5d-dst-override} or
   * authority ({@code LINKERD2_PROXY_INGRESS_MODE}); {@code tls}: this proxy's mesh TLS, used for
   * every endpoint discovery names an identity for.
   */
  public OutboundHttp(ActorSystem<?> system, Discovery discovery, String clusterDomain, Balancing balancing,
                      ProxyMetrics metrics, HttpClients clients, long maxRetryBodyBytes, Set<Integer> ownPorts,
                      boolean ingressMode, Optional<MeshTls> tls, Taps taps) {
    this.taps = taps;
    this.system = system;
    this.discovery = discovery;
    this.clusterDomain = clusterDomain;
    this.balancing = balancing;
    this.metrics = metrics.http();
    this.routing = new LogicalService.Settings(metrics.routes(), metrics.policyRoutes(), SchedulerTimer.of(system), Materializer.matFromSystem(system),
        maxRetryBodyBytes);
    this.clients = clients;
    this.ownPorts = ownPorts;
    this.ingressMode = ingressMode;
    this.peers = new PeerIdentity(tls);
  }

  /**
   * The service for one connection's requests from {@code remote} (the application, whose address
   * each request carries for tap); {@code original}: where it was going when intercepted.
   */
  public Service<Request, Response> forConnection(InetSocketAddress remote, Optional<InetSocketAddress> original) {
    ClientAddress client = new ClientAddress(remote);
    if (original.isEmpty() || ingressMode) {
      OutboundTarget.LastParsed targets = new OutboundTarget.LastParsed(clusterDomain);
      return request -> route(withClient(request, client), targets);
    }
    InetSocketAddress to = original.get();
    String authority = TcpAddresses.format(TcpAddresses.of(to.getAddress(), to.getPort()));
    String host = to.getAddress().getHostAddress();
    if (!discovery.looksUp(to.getAddress())) {
      Service<Request, Response> direct = addressed(authority, host, to.getPort());
      return request -> direct.call(withClient(request, client));
    }
    return request -> dispatch(authority, host, to.getPort(), withClient(request, client));
  }

  /** Only a tap reads where a request came from: while none is open, requests carry nothing for it. */
  private Request withClient(Request request, ClientAddress client) {
    return taps.open() == 0 ? request : request.put(ClientAddress.class, client);
  }

  /** A request routed by its {@code l5d-dst-override} or authority. */
  private CompletionStage<Response> route(Request request, OutboundTarget.LastParsed targets) {
    String override = request.headers().get(OutboundTarget.DST_OVERRIDE);
    if (override != null) {
      request.headers().remove(OutboundTarget.DST_OVERRIDE);
    }
    Optional<OutboundTarget> target = targets.parse(override != null ? override : request.authority());
    if (target.isEmpty()) {
      return CompletableFuture.completedFuture(ProxyResponses.error(ProxyError.UNEXPECTED, request));
    }
    OutboundTarget t = target.get();
    if (ownPorts.contains(t.port()) && ThisHost.is(t.host())) {
      // Addressed to the proxy itself: sending it on would come straight back, forever.
      return CompletableFuture.completedFuture(ProxyResponses.error(ProxyError.GATEWAY_LOOP, request));
    }
    if (t.discoveryPath().isEmpty() || !discovery.looksUp(t.host())) {
      return addressed(t.host() + ":" + t.port(), t.host(), t.port()).call(request);
    }
    return dispatch(t.discoveryPath().get(), t.host(), t.port(), request);
  }

  /**
   * To what discovery says {@code authority} is, shaped by its profile; reached at
   * {@code host}:{@code port} when it is nothing discovery knows.
   */
  private CompletionStage<Response> dispatch(String authority, String host, int port, Request request) {
    Resolution resolution = discovery.resolve(authority);
    LatestAnswer<DestinationProfile> profile = discovery.profile(authority);
    if (resolution.exists().isPresent() && profile.current().isPresent()) {
      return logical(resolution, profile, authority, host, port, request);
    }
    // A new authority waits for the control plane's first answers (never longer than the failfast
    // timeout), so a name that is not a Service is reached as addressed instead of failing fast.
    Duration wait = balancing.limits().failfastTimeout();
    return CompletableFuture.allOf(resolution.answeredWithin(wait, routing.timer()).toCompletableFuture(),
            profile.answeredWithin(wait, routing.timer()).toCompletableFuture())
        .thenCompose(answered -> logical(resolution, profile, authority, host, port, request));
  }

  private CompletionStage<Response> logical(Resolution resolution, LatestAnswer<DestinationProfile> profile, String authority, String host,
                                            int port, Request request) {
    if (!resolution.exists().orElse(false)) {
      // Not a service of this cluster, or the control plane has not answered in time: reached as
      // addressed, which is what the application asked for (Linkerd would fail fast instead).
      return addressed(authority, host, port).call(request);
    }
    // A Service's policy (a pod's address has none) routes it when no ServiceProfile does: its
    // first answer is waited for as the profile's is (never past the failfast timeout).
    boolean service = resolution.isService();
    Optional<LatestAnswer<OutboundPolicy>> policy = service ? discovery.policy(authority) : Optional.empty();
    if (policy.isPresent() && policy.get().current().isEmpty() && !policy.get().answered().toCompletableFuture().isDone()) {
      return policy.get().answeredWithin(balancing.limits().failfastTimeout(), routing.timer())
          .thenCompose(answered -> logicalService(profile, authority, service).call(request));
    }
    return logicalService(profile, authority, service).call(request);
  }

  private LogicalService logicalService(LatestAnswer<DestinationProfile> profile, String authority, boolean service) {
    return logicals.get(profile, p -> new LogicalService(authority, p,
            () -> service ? discovery.policy(authority) : Optional.empty(), concrete(authority), this::concrete, routing,
            behavior -> system.systemActorOf(behavior, "logical-" + LOGICAL_IDS.incrementAndGet(), Props.empty())));
  }

  /**
   * The backend of {@code authority} ({@code host:port}), looked up per request so a resolution
   * discovery dropped and started again is the one used: a Service's endpoints, or the address
   * itself when it is no Service (a traffic split may name anything).
   */
  private Service<Request, Response> concrete(String authority) {
    int colon = authority.lastIndexOf(':');
    String host = authority.substring(0, colon);
    int port = Integer.parseInt(authority.substring(colon + 1));
    return request -> {
      Resolution resolution = discovery.resolve(authority);
      if (resolution.exists().isPresent()) {
        return backend(resolution, authority, host, port).call(request);
      }
      return resolution.answeredWithin(balancing.limits().failfastTimeout(), routing.timer())
          .thenCompose(answered -> backend(resolution, authority, host, port).call(request));
    };
  }

  private Service<Request, Response> backend(Resolution resolution, String authority, String host, int port) {
    if (!resolution.exists().orElse(false)) {
      return addressed(authority, host, port);
    }
    return backends.get(resolution, r -> new Backend(r, authority, balancing.following(r),
        new FailfastQueue(balancing.limits().queueCapacity(), balancing.limits().maxInFlight(),
            balancing.limits().failfastTimeout(), SchedulerTimer.of(system)), clients, peers, metrics, discovery::policy, taps));
  }

  private Service<Request, Response> addressed(String label, String host, int port) {
    return addressed.computeIfAbsent(new Addressed(label, host, port), a -> {
      HttpMetrics.Target target = HttpMetrics.Target.outbound(label, null, Map.of());
      InetSocketAddress address = InetSocketAddress.createUnresolved(a.host(), a.port());
      return metrics.layer(request -> target).andThen(new FailureResponses(label))
          .andThen(taps.outbound(address, Map.of(), HttpMetrics.Tls.NOT_PROVIDED_BY_DISCOVERY))
          .wrap(clients.direct(address));
    });
  }
}
