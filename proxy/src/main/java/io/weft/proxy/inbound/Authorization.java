package io.weft.proxy.inbound;

import io.weft.proxy.metrics.AuthzMetrics;
import io.weft.proxy.metrics.HttpMetrics;
import io.weft.protocol.policy.Client;
import io.weft.proxy.policy.InboundPolicy;
import io.weft.proxy.policy.PortPolicy;
import io.weft.proxy.policy.RateLimit;
import io.weft.proxy.route.InboundRoute;
import io.weft.proxy.route.RequestParts;
import io.weft.proxy.route.RouteMatch;
import io.weft.proxy.tcp.Forwarding;
import io.weft.streams.http.ProxyError;
import io.weft.streams.http.ProxyResponses;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.service.Layer;
import io.weft.streams.stage.PlainFuture;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The inbound proxy's authorization layer: a TCP connection is decided when it is routed, each HTTP
 * request when it comes, by the policy the control plane serves for the port (else the default
 * policy); every decision is counted, every denial logged (as Linkerd's are). A denied TCP
 * connection is closed; a denied HTTP request gets 403 ({@code PERMISSION_DENIED} for gRPC), one no
 * route takes 404, one over the rate limit 429 ({@code RESOURCE_EXHAUSTED}), each with
 * {@code l5d-proxy-error}, so the client learns why.
 */
final class Authorization {
  private static final Logger log = LoggerFactory.getLogger(Authorization.class);
  private static final String DEFAULT_KIND = "default";
  /** Linkerd's name for the route of a port whose requests all take one. */
  private static final AuthzMetrics.Named DEFAULT_ROUTE = new AuthzMetrics.Named("", DEFAULT_KIND, "default");

  private final InboundPolicy policy;
  private final AuthzMetrics metrics;

  Authorization(InboundPolicy policy, AuthzMetrics metrics) {
    this.policy = policy;
    this.metrics = metrics;
  }

  /** A verdict, and what it is counted against. */
  record Decision(boolean allowed, AuthzMetrics.Labels labels) {}

  /**
   * The verdict on {@code remote}'s connection to {@code target} now: by the authorizations of the
   * server the control plane serves for the port, else by the default policy.
   */
  Decision decide(InetSocketAddress remote, InetSocketAddress target, HttpMetrics.Tls peer) {
    Client client = client(remote, peer);
    Optional<PortPolicy> port = policy.ports().forPort(target.getPort());
    if (port.isPresent()) {
      Optional<PortPolicy.Rule> rule = port.get().admit(client, peer.tls().equals("true"));
      return new Decision(rule.isPresent(), new AuthzMetrics.Labels(target, peer, server(port.get()), DEFAULT_ROUTE,
          rule.map(Authorization::named).orElse(AuthzMetrics.Named.NONE)));
    }
    AuthzMetrics.Named byDefault = new AuthzMetrics.Named("", DEFAULT_KIND, policy.defaultFor(target.getPort()).linkerdName());
    return new Decision(policy.allows(client, target.getPort()), new AuthzMetrics.Labels(target, peer, byDefault, DEFAULT_ROUTE, byDefault));
  }

  private static AuthzMetrics.Named server(PortPolicy port) {
    return new AuthzMetrics.Named(port.serverGroup(), port.serverKind(), port.serverName());
  }

  private static AuthzMetrics.Named named(PortPolicy.Rule rule) {
    return new AuthzMetrics.Named(rule.group(), rule.kind(), rule.name());
  }

  private static Client client(InetSocketAddress remote, HttpMetrics.Tls peer) {
    return new Client(remote.getAddress(), peer.clientId().isEmpty() ? Optional.empty() : Optional.of(peer.clientId()));
  }

  private static void logDenied(InetSocketAddress remote, InetSocketAddress target, HttpMetrics.Tls peer, Decision decision) {
    log.info("inbound connection from {} ({}) to port {} denied by {} {}", remote.getAddress().getHostAddress(),
        peer.clientId().isEmpty() ? "no identity" : peer.clientId(), target.getPort(), decision.labels().server().kind(),
        decision.labels().server().name());
  }

  /** Whether a client that has said nothing yet (so has shown no identity) from {@code remote} may reach {@code target}. */
  boolean allowsUnidentified(InetSocketAddress remote, InetSocketAddress target) {
    return decide(remote, target, HttpMetrics.Tls.NO_TLS_FROM_REMOTE).allowed();
  }

  /**
   * The connection's bytes to the application, or closed if it is denied; an admitted connection is
   * checked again whenever its port's policy changes, and closed if it is no longer admitted.
   */
  Flow<ByteString, ByteString, NotUsed> tcp(InetSocketAddress remote, InetSocketAddress target, HttpMetrics.Tls peer,
                                            Supplier<Flow<ByteString, ByteString, NotUsed>> forward) {
    Decision decision = decide(remote, target, peer);
    metrics.tcp(decision.allowed(), decision.labels());
    if (!decision.allowed()) {
      logDenied(remote, target, peer, decision);
      return Forwarding.refused();
    }
    return Flow.<ByteString>create().viaMat(KillSwitches.single(), Keep.right()).via(forward.get())
        .watchTermination((killSwitch, done) -> {
          Runnable stop = policy.ports().onChange(target.getPort(), () -> {
            Decision now = decide(remote, target, peer);
            if (!now.allowed()) {
              metrics.tcpTerminated(now.labels());
              logDenied(remote, target, peer, now);
              killSwitch.abort(new IllegalStateException("no longer authorized"));
            }
          });
          PlainFuture.of(done).whenComplete((ok, error) -> stop.run());
          return NotUsed.notUsed();
        });
  }

  /**
   * Decides each request by the policy in force when it comes, so a policy change reaches open
   * connections at once: the route it takes (none: 404), whether that route's authorizations or the
   * server's admit the client (no: 403), whether the server's rate limit lets it pass (no: 429),
   * then the route's filters. Verdicts and their series are kept per route while the port's policy
   * is the same object, so a request costs lookups, not allocations. A denial is logged once per
   * connection.
   */
  Layer<Request, Response> http(InetSocketAddress remote, InetSocketAddress target, HttpMetrics.Tls peer) {
    Client client = client(remote, peer);
    boolean tls = peer.tls().equals("true");
    AtomicBoolean logged = new AtomicBoolean();
    AtomicReference<Verdicts> last = new AtomicReference<>();
    return inner -> request -> {
      PortPolicy port = policy.ports().forPort(target.getPort()).orElse(null);
      Verdicts verdicts = last.get();
      if (verdicts == null || verdicts.source() != port) {
        verdicts = new Verdicts(port, decide(remote, target, peer), port == null ? null : new Verdict[port.routes().size()]);
        last.set(verdicts);
      }
      if (port == null || !port.http()) {
        // The default policy (or a port served without routes) decides every request alike.
        Verdict verdict = verdicts.byDefault(metrics);
        verdict.counter().run();
        return verdict.decision().allowed() ? inner.call(request) : denied(remote, target, peer, verdict.decision(), logged, request);
      }
      Optional<InboundRoute.Selected<PortPolicy.Rule>> selected = InboundRoute.select(port.routes(), request, RequestParts.of(request));
      if (selected.isEmpty()) {
        metrics.routeNotFound(verdicts.connection().labels());
        return CompletableFuture.completedFuture(ProxyResponses.error(ProxyError.NO_ROUTE, request));
      }
      Verdict verdict = verdicts.forRoute(selected.get().route(), client, tls, metrics);
      verdict.counter().run();
      if (!verdict.decision().allowed()) {
        return denied(remote, target, peer, verdict.decision(), logged, request);
      }
      RateLimit limit = port.rateLimit();
      RateLimit.Scope refused = limit.limits() ? limit.refusal(peer.clientId()) : null;
      if (refused != null) {
        metrics.rateLimited(verdicts.connection().labels(), new AuthzMetrics.Named(limit.group(), limit.kind(), limit.name()),
            refused.label());
        return CompletableFuture.completedFuture(ProxyResponses.error(ProxyError.RATE_LIMITED, request));
      }
      return selected.get().rule().filters().wrap(inner).call(request.put(RouteMatch.class, selected.get().match()));
    };
  }

  private static CompletionStage<Response> denied(InetSocketAddress remote, InetSocketAddress target, HttpMetrics.Tls peer,
                                                  Decision decision, AtomicBoolean logged, Request request) {
    if (!logged.getAndSet(true)) {
      logDenied(remote, target, peer, decision);
    }
    return CompletableFuture.completedFuture(ProxyResponses.error(ProxyError.UNAUTHORIZED, request));
  }

  /** A decision and its series. */
  private record Verdict(Decision decision, Runnable counter) {}

  /**
   * The verdicts of one connection under one port policy ({@code source}; null: the default):
   * {@code connection} is the decision on the connection itself, {@code routes} each route's,
   * filled as requests take them (a race computes one twice, harmlessly).
   */
  private record Verdicts(PortPolicy source, Decision connection, Verdict[] routes, AtomicReference<Verdict> whole) {
    Verdicts(PortPolicy source, Decision connection, Verdict[] routes) {
      this(source, connection, routes, new AtomicReference<>());
    }

    Verdict byDefault(AuthzMetrics metrics) {
      Verdict verdict = whole.get();
      if (verdict == null) {
        verdict = new Verdict(connection, metrics.http(connection.allowed(), connection.labels()));
        whole.set(verdict);
      }
      return verdict;
    }

    Verdict forRoute(InboundRoute<PortPolicy.Rule> route, Client client, boolean tls, AuthzMetrics metrics) {
      int index = 0;
      while (source.routes().get(index) != route) {
        index++;
      }
      Verdict verdict = routes[index];
      if (verdict == null) {
        Optional<PortPolicy.Rule> admitting = route.authorizations().stream().filter(r -> r.admits(client, tls)).findFirst();
        AuthzMetrics.Labels labels = connection.labels().forRoute(new AuthzMetrics.Named(route.group(), route.kind(), route.name()),
            admitting.map(Authorization::named).orElse(AuthzMetrics.Named.NONE));
        Decision decision = new Decision(admitting.isPresent(), labels);
        verdict = new Verdict(decision, metrics.http(decision.allowed(), labels));
        routes[index] = verdict;
      }
      return verdict;
    }
  }
}
