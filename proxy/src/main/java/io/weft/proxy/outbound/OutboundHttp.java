package io.weft.proxy.outbound;

import io.linkerd.proxy.destination.WeightedAddr;
import io.weft.protocol.net.TcpAddresses;
import io.weft.proxy.ProxyConfig;
import io.weft.proxy.discovery.Discovery;
import io.weft.proxy.discovery.Resolution;
import io.weft.proxy.metrics.HttpMetrics;
import io.weft.streams.balance.P2cBalancer;
import io.weft.streams.queue.FailfastQueue;
import io.weft.streams.queue.ProxyError;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.http.javadsl.settings.ClientConnectionSettings;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;
import org.apache.pekko.http.javadsl.model.headers.Host;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

/**
 * The outbound HTTP path: each request is routed by its authority (or {@code l5d-dst-override}),
 * waits in the service's failfast queue for a ready endpoint, goes to the endpoint P2C picks over
 * a pooled connection, and feeds the response time back into that endpoint's load. A service the
 * control plane says does not exist is reached at the address as given, as Linkerd falls back.
 */
public final class OutboundHttp {
  private static final Logger log = LoggerFactory.getLogger(OutboundHttp.class);
  private static final String TIMEOUT_ACCESS = "Timeout-Access";
  /** Pekko's javadsl names HTTP/1.x only. */
  private static final String HTTP_2 = "HTTP/2.0";

  private final Discovery discovery;
  private final String clusterDomain;
  private final Http http;
  private final java.util.concurrent.Executor dispatcher;
  private final Duration failfastTimeout;
  private final HttpMetrics metrics;
  private final ConnectionPoolSettings directPool;
  private final LoggingAdapter logging;
  private final ClientConnectionSettings directConnection;
  private final Http2Upstreams http2;
  private final WebSocketRelay webSockets;
  private final Map<InetSocketAddress, Upstream> meshed = new ConcurrentHashMap<>();

  /** How to reach one endpoint: a pool for HTTP/1.1 requests, connection settings for HTTP/2 ones. */
  private record Upstream(InetSocketAddress address, ConnectionPoolSettings http1, ClientConnectionSettings http2) {}

  public OutboundHttp(ActorSystem<?> system, Discovery discovery, String clusterDomain, ProxyConfig.Side side,
                      HttpMetrics metrics) {
    this.metrics = metrics;
    this.failfastTimeout = side.failfastTimeout();
    this.discovery = discovery;
    this.clusterDomain = clusterDomain;
    this.http = Http.get(system);
    this.dispatcher = system.executionContext();
    this.directPool = ConnectionPoolSettings.create(system.classicSystem());
    this.directConnection = ClientConnectionSettings.create(system.classicSystem());
    // Streams past the endpoint's concurrency limit wait on its connection; the failfast queue's
    // in-flight limit already bounds how many there can be.
    this.http2 = new Http2Upstreams(system, side.maxInFlight());
    this.logging = Logging.getLogger(system.classicSystem(), OutboundHttp.class);
    this.webSockets = new WebSocketRelay(http, Materializer.matFromSystem(system), logging);
  }

  CompletionStage<HttpResponse> handle(HttpRequest request) {
    long received = System.nanoTime();
    String authority = request.getHeader(OutboundTarget.DST_OVERRIDE).map(h -> h.value())
        .orElseGet(() -> request.getHeader(Host.class).map(h -> hostPort(h.host().address(), h.port()))
            // HTTP/2 carries the authority in the request's URI (:authority), not in a Host header
            .orElseGet(() -> hostPort(request.getUri().host().address(), request.getUri().port())));
    Optional<OutboundTarget> target = OutboundTarget.parse(authority, clusterDomain);
    if (target.isEmpty()) {
      return CompletableFuture.completedFuture(ErrorResponses.of(ProxyError.UNEXPECTED, request));
    }
    OutboundTarget t = target.get();
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

  private static String hostPort(String host, int port) {
    return port == 0 ? host : host + ":" + port;
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
        boolean grpcFailure = r.getHeader("grpc-status").map(h -> !h.value().equals("0")).orElse(false);
        metrics.responded(target, r.status().intValue(), grpcFailure, System.nanoTime() - received);
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
    HttpMetrics.Target target = HttpMetrics.Target.outbound(authority, endpoint.id(), resolution.serviceLabels());
    if (counted == null) {
      metrics.requested(target);
    }
    InetSocketAddress address = TcpAddresses.toSocketAddress(endpoint.id().getAddr());
    long sentAt = endpoint.load().started();
    return send(request, upstreamFor(endpoint.id(), address)).handle((response, error) -> {
      if (error == null) {
        endpoint.load().completed(sentAt); // sampled at the response head
        endpoint.reachable();
        return responded(target, received, response);
      }
      endpoint.load().abandoned();
      boolean refused = ConnectFailures.refused(error);
      if (refused) {
        endpoint.unreachable();
      }
      // No answer came. A refused connection saw nothing of the request; an idempotent request may
      // be sent again whatever happened to it (as Pekko's pool would, on the same endpoint).
      if (attemptsLeft > 1 && request.entity().isStrict() && (refused || request.method().isIdempotent())) {
        return attempt(resolution, request, authority, received, attemptsLeft - 1, target, endpoint);
      }
      log.debug("forwarding to {} failed: {}", address, error.toString());
      return responded(target, received, ErrorResponses.of(ProxyError.CONNECTION_FAILED, request));
    }).thenCompose(response -> response);
  }

  private CompletionStage<HttpResponse> responded(HttpMetrics.Target target, long received, HttpResponse response) {
    boolean grpcFailure = response.getHeader("grpc-status").map(h -> !h.value().equals("0")).orElse(false);
    metrics.responded(target, response.status().intValue(), grpcFailure, System.nanoTime() - received);
    return CompletableFuture.completedFuture(response);
  }

  /**
   * A meshed endpoint (its hint names the peer proxy's inbound port) is reached through that proxy
   * with the transport header; its pools and connection are kept, so connections are reused.
   */
  private Upstream upstreamFor(WeightedAddr endpoint, InetSocketAddress address) {
    int inboundPort = endpoint.getProtocolHint().getOpaqueTransport().getInboundPort();
    if (inboundPort == 0) {
      return direct(address);
    }
    return meshed.computeIfAbsent(address, a -> {
      InetSocketAddress peer = new InetSocketAddress(a.getAddress(), inboundPort);
      return new Upstream(a, directPool.withTransport(new TransportHeaderClientTransport(peer, a.getPort(), false)),
          directConnection.withTransport(new TransportHeaderClientTransport(peer, a.getPort(), true)));
    });
  }

  private Upstream direct(InetSocketAddress address) {
    return new Upstream(address, directPool, directConnection);
  }

  /** Sends the request to an address that is not a balanced endpoint; failures become 502s. */
  private CompletionStage<HttpResponse> forward(HttpRequest request, String host, int port) {
    return send(request, direct(InetSocketAddress.createUnresolved(host, port))).exceptionally(error -> {
      log.debug("forwarding to {}:{} failed: {}", host, port, error.toString());
      return ErrorResponses.of(ProxyError.CONNECTION_FAILED, request);
    });
  }

  /**
   * Sends the request on in the protocol it came in: HTTP/2 multiplexed, HTTP/1.1 from a pool, a
   * WebSocket handshake relayed. The result (or failure) is handed to the proxy's dispatcher.
   */
  private CompletionStage<HttpResponse> send(HttpRequest request, Upstream upstream) {
    Uri uri = request.getUri().scheme("http").host(upstream.address().getHostString()).port(upstream.address().getPort());
    // Timeout-Access is Pekko's server-side handle on the request timeout, not a header to send on.
    HttpRequest onward = request.withUri(uri).removeHeader(OutboundTarget.DST_OVERRIDE).removeHeader(TIMEOUT_ACCESS);
    Optional<WebSocketUpgrade> webSocket = request.getAttribute(AttributeKeys.webSocketUpgrade);
    CompletionStage<HttpResponse> sent;
    if (webSocket.isPresent()) {
      sent = webSockets.relay(webSocket.get(), request, upstream.address(), upstream.http1().getConnectionSettings());
    } else if (request.protocol().value().equals(HTTP_2)) {
      sent = http2.send(upstream.address(), upstream.http2(), onward);
    } else {
      sent = http.singleRequest(onward, http.defaultClientHttpsContext(), upstream.http1(), logging);
    }
    // Pekko's CompletionStages come from Scala futures and run even non-async callbacks on the JDK
    // common pool (one thread on two cores). Hand the result to our own dispatcher instead, so the
    // data path never waits for, or on, a pool it shares with everything else in the JVM.
    CompletableFuture<HttpResponse> response = new CompletableFuture<>();
    sent.whenCompleteAsync((r, error) -> {
      if (error == null) {
        response.complete(r);
      } else {
        response.completeExceptionally(error);
      }
    }, dispatcher);
    return response;
  }
}
