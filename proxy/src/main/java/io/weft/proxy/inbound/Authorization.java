package io.weft.proxy.inbound;

import io.weft.proxy.metrics.AuthzMetrics;
import io.weft.proxy.metrics.HttpMetrics;
import io.weft.protocol.policy.Client;
import io.weft.proxy.policy.InboundPolicy;
import io.weft.proxy.policy.PortPolicy;
import io.weft.proxy.tcp.Forwarding;
import io.weft.streams.http.ProxyError;
import io.weft.streams.http.ProxyResponses;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.service.Layer;
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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

/**
 * The inbound proxy's authorization layer: a TCP connection is decided when it is routed, each HTTP
 * request when it comes, by the policy the control plane serves for the port (else the default
 * policy); every decision is counted, every denial logged (as Linkerd's are). A denied TCP
 * connection is closed; a denied HTTP request gets 403 ({@code PERMISSION_DENIED} for gRPC) with
 * {@code l5d-proxy-error}, so the client learns why.
 */
final class Authorization {
  private static final Logger log = LoggerFactory.getLogger(Authorization.class);
  private static final String DEFAULT_KIND = "default";

  private final InboundPolicy policy;
  private final AuthzMetrics metrics;

  Authorization(InboundPolicy policy, AuthzMetrics metrics) {
    this.policy = policy;
    this.metrics = metrics;
  }

  /** A verdict, and what it is counted against. */
  record Decision(boolean allowed, AuthzMetrics.Labels labels) {}

  /**
   * The verdict on {@code remote}'s connection to {@code target} now: by the policy the control
   * plane serves for the port, else by the default policy.
   */
  Decision decide(InetSocketAddress remote, InetSocketAddress target, HttpMetrics.Tls peer) {
    Client client = client(remote, peer);
    Optional<PortPolicy> port = policy.ports().forPort(target.getPort());
    if (port.isPresent()) {
      Optional<PortPolicy.Rule> rule = port.get().admit(client, peer.tls().equals("true"));
      AuthzMetrics.Named server = new AuthzMetrics.Named(port.get().serverGroup(), port.get().serverKind(), port.get().serverName());
      AuthzMetrics.Named authorization = rule.map(r -> new AuthzMetrics.Named(r.group(), r.kind(), r.name()))
          .orElse(new AuthzMetrics.Named("", "", ""));
      return new Decision(rule.isPresent(), new AuthzMetrics.Labels(target, peer, server, authorization));
    }
    AuthzMetrics.Named byDefault = new AuthzMetrics.Named("", DEFAULT_KIND, policy.defaultPolicy().linkerdName());
    return new Decision(policy.allows(client), new AuthzMetrics.Labels(target, peer, byDefault, byDefault));
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
          done.whenComplete((ok, error) -> stop.run());
          return NotUsed.notUsed();
        });
  }

  /**
   * Decides each request by the policy in force when it comes, so a policy change reaches open
   * connections at once; the verdict and its series are kept while the port's policy is the same
   * object, so a request costs a lookup, not an allocation. A denial is logged once per connection.
   */
  Layer<Request, Response> http(InetSocketAddress remote, InetSocketAddress target, HttpMetrics.Tls peer) {
    AtomicBoolean logged = new AtomicBoolean();
    AtomicReference<Verdict> last = new AtomicReference<>();
    return inner -> request -> {
      Optional<PortPolicy> port = policy.ports().forPort(target.getPort());
      Verdict verdict = last.get();
      if (verdict == null || verdict.source() != port.orElse(null)) {
        Decision decision = decide(remote, target, peer);
        verdict = new Verdict(port.orElse(null), decision, metrics.http(decision.allowed(), decision.labels()));
        last.set(verdict);
      }
      verdict.counter().run();
      if (verdict.decision().allowed()) {
        return inner.call(request);
      }
      if (!logged.getAndSet(true)) {
        logDenied(remote, target, peer, verdict.decision());
      }
      return CompletableFuture.completedFuture(ProxyResponses.error(ProxyError.UNAUTHORIZED, request));
    };
  }

  /** A decision, the port policy it was made by (null: the default), and its series. */
  private record Verdict(PortPolicy source, Decision decision, Runnable counter) {}
}
