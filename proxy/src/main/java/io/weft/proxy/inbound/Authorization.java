package io.weft.proxy.inbound;

import io.weft.proxy.metrics.AuthzMetrics;
import io.weft.proxy.metrics.HttpMetrics;
import io.weft.protocol.policy.Client;
import io.weft.proxy.policy.InboundPolicy;
import io.weft.proxy.tcp.Forwarding;
import io.weft.streams.http.ProxyError;
import io.weft.streams.http.ProxyResponses;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.service.Layer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;

/**
 * The inbound proxy's authorization layer: each connection's client is decided once, by the
 * inbound policy, and every denial is logged (as Linkerd's are) and counted. A denied TCP
 * connection is closed; every HTTP request on a denied connection gets 403
 * ({@code PERMISSION_DENIED} for gRPC) with {@code l5d-proxy-error}, so the client learns why.
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

  /** One connection's verdict, and what its decisions are counted against. */
  record Decision(boolean allowed, AuthzMetrics.Labels labels, String client) {}

  Decision decide(InetSocketAddress remote, InetSocketAddress target, HttpMetrics.Tls peer) {
    Optional<String> identity = peer.clientId().isEmpty() ? Optional.empty() : Optional.of(peer.clientId());
    boolean allowed = policy.allows(new Client(remote.getAddress(), identity));
    String name = policy.defaultPolicy().linkerdName();
    String client = remote.getAddress().getHostAddress() + identity.map(id -> " (" + id + ")").orElse(" (no identity)");
    if (!allowed) {
      log.info("inbound connection from {} to port {} denied by the default policy {}", client, target.getPort(), name);
    }
    return new Decision(allowed, new AuthzMetrics.Labels(target, peer, DEFAULT_KIND, name, DEFAULT_KIND, name), client);
  }

  /** Whether a client that has said nothing yet (so has shown no identity) from {@code remote} may reach the application. */
  boolean allowsUnidentified(InetSocketAddress remote) {
    return policy.allows(new Client(remote.getAddress(), Optional.empty()));
  }

  /** The connection's bytes to the application, or closed if it is denied. */
  Flow<ByteString, ByteString, NotUsed> tcp(Decision decision, Supplier<Flow<ByteString, ByteString, NotUsed>> forward) {
    metrics.tcp(decision.allowed(), decision.labels());
    return decision.allowed() ? forward.get() : Forwarding.refused();
  }

  /** Counts each request, answering those of a denied connection itself. */
  Layer<Request, Response> http(Decision decision) {
    return inner -> request -> {
      metrics.http(decision.allowed(), decision.labels());
      return decision.allowed() ? inner.call(request)
          : CompletableFuture.completedFuture(ProxyResponses.error(ProxyError.UNAUTHORIZED, request));
    };
  }
}
