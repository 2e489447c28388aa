package io.weft.proxy.inbound;

import io.weft.streams.tcp.TcpListener;
import io.weft.protocol.transport.SessionProtocol;
import io.weft.proxy.http.HttpServerFlows;
import io.weft.proxy.identity.MeshTls;
import io.weft.proxy.metrics.HttpMetrics;
import io.weft.proxy.metrics.ProxyMetrics;
import io.weft.proxy.metrics.TcpMetrics;
import io.weft.proxy.policy.InboundPolicy;
import io.weft.proxy.http.Http2Keepalive;
import io.weft.proxy.tcp.Dial;
import io.weft.proxy.tcp.TcpOptions;
import io.weft.proxy.tcp.Forwarding;
import io.weft.proxy.tcp.ProxyListener;
import io.weft.streams.detect.Protocol;
import io.weft.streams.detect.ProtocolDetection;
import io.weft.streams.detect.ServerFirstProbe;
import io.weft.streams.http1.Http1Limits;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.BitSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The inbound side (4143): what reaches this pod. A peer proxy's connection names the pod's
 * target port in its transport header; any other connection was redirected here by iptables and
 * goes where it was originally going. HTTP (as the header's session protocol says, or as detected)
 * is served request by request ({@link InboundHttp}); other bytes are relayed. A connection that
 * would reach one of the proxy's own ports is refused (the loop guard), and so is one with neither
 * a header nor an original destination.
 */
public final class InboundProxy {
  private static final Logger log = LoggerFactory.getLogger(InboundProxy.class);
  private static final String DIRECTION = "inbound";
  private static final Protocol OPAQUE = new Protocol.Opaque();

  /**
   * {@code ownPorts}: the proxy's listening ports, never a valid target; {@code opaquePorts}: the
   * application's ports whose bytes are relayed without looking at them; {@code http1}: the bounds
   * of an HTTP/1 head; {@code serverFirstProbe}: how long a plaintext client may say nothing before
   * the application is asked whether it speaks first ({@link ServerFirstProbe}); {@code policy}: who
   * may reach the application; {@code ips}: the pod's addresses, the only original destinations
   * served (any when empty: a connection to another address would be relayed elsewhere);
   * {@code http2}: the HTTP/2 server's pings; {@code accepted}: the TCP settings of peers' connections.
   */
  public record Settings(Duration detectTimeout, int detectMaxBytes, Dial dial, Set<Integer> ownPorts,
                         BitSet opaquePorts, Http1Limits http1, Duration serverFirstProbe, InboundPolicy policy,
                         Set<java.net.InetAddress> ips, Http2Keepalive http2, TcpOptions accepted) {}

  private final ActorSystem<?> system;
  private final TcpMetrics metrics;
  private final Settings settings;
  private final InboundHttp http;
  private final HttpServerFlows httpFlows;
  private final Optional<MeshTls> tls;
  private final Authorization authorization;

  public InboundProxy(ActorSystem<?> system, ProxyMetrics metrics, InboundHttp http, Settings settings) {
    this(system, metrics, http, settings, Optional.empty());
  }

  /**
   * {@code tls}: this proxy's mesh TLS. With it, a ClientHello for this proxy's identity is
   * terminated here, and a transport header is accepted only inside that TLS.
   */
  public InboundProxy(ActorSystem<?> system, ProxyMetrics metrics, InboundHttp http, Settings settings, Optional<MeshTls> tls) {
    this.tls = tls;
    this.system = system;
    this.metrics = metrics.tcp();
    this.authorization = new Authorization(settings.policy(), metrics.authz());
    this.settings = settings;
    this.http = http;
    this.httpFlows = new HttpServerFlows(system, settings.http1(), settings.http2());
  }

  public CompletionStage<TcpListener.Binding> bind(InetSocketAddress listen) {
    return ProxyListener.bind(system, listen, settings.accepted(), metrics, DIRECTION, this::connection);
  }

  /** The flow of one connection that arrived at {@code local}, redirected from {@code original} if intercepted. */
  Flow<ByteString, ByteString, NotUsed> connection(InetSocketAddress local, InetSocketAddress remote,
                                                  Optional<InetSocketAddress> original, TcpMetrics.Measured measured) {
    Flow<ByteString, ByteString, NotUsed> detected = detect(local, remote, original, measured);
    // A plaintext client of a server that speaks first says nothing: the application is asked at
    // once. (With connection tracking on, a connection nobody redirected reports where it is.)
    // Only a client the policy lets reach the application without an identity may have it asked:
    // the probe connects before the client has shown anything.
    return original.filter(target -> !target.equals(local) && !settings.ownPorts().contains(target.getPort()) && serves(target))
        .filter(target -> authorization.allowsUnidentified(remote, target))
        .map(target -> ServerFirstProbe.around(detected, settings.serverFirstProbe(),
            () -> relay(target), () -> {
              metrics.detected(DIRECTION, OPAQUE);
              measured.plain();
            }))
        .orElse(detected);
  }

  private Flow<ByteString, ByteString, NotUsed> detect(InetSocketAddress local, InetSocketAddress remote,
                                                      Optional<InetSocketAddress> original, TcpMetrics.Measured measured) {
    return ProtocolDetection.flow(settings.detectTimeout(), settings.detectMaxBytes(), protocol -> {
      metrics.detected(DIRECTION, protocol);
      if (protocol instanceof Protocol.Tls hello && tls.isPresent()
          && hello.serverName().filter(tls.get().localIdentity()::equals).isPresent()) {
        return meshTls(tls.get(), local, remote, original, measured);
      }
      measured.plain();
      return route(local, remote, original, protocol,
          tls.isPresent() ? HttpMetrics.Tls.NO_TLS_FROM_REMOTE : HttpMetrics.Tls.DISABLED);
    });
  }

  /**
   * Terminates mesh TLS and routes what it carries; the client's identity (from its verified
   * certificate) is known before the first plaintext byte is read.
   */
  private Flow<ByteString, ByteString, NotUsed> meshTls(MeshTls mesh, InetSocketAddress local, InetSocketAddress remote,
                                                       Optional<InetSocketAddress> original, TcpMetrics.Measured measured) {
    AtomicReference<HttpMetrics.Tls> client = new AtomicReference<>(HttpMetrics.Tls.fromClient(""));
    Flow<ByteString, ByteString, NotUsed> inner = ProtocolDetection.flow(settings.detectTimeout(), settings.detectMaxBytes(),
        protocol -> {
          metrics.detected(DIRECTION, protocol); // what the mesh TLS carries
          return route(local, remote, original, protocol, client.get());
        });
    return mesh.server(session -> {
      String clientId = MeshTls.peerIdentity(session).orElse("");
      client.set(HttpMetrics.Tls.fromClient(clientId));
      measured.meshTls(clientId);
    }).join(inner);
  }

  private Flow<ByteString, ByteString, NotUsed> route(InetSocketAddress local, InetSocketAddress remote,
                                                     Optional<InetSocketAddress> original, Protocol protocol,
                                                     HttpMetrics.Tls peer) {
    return switch (protocol) {
      case Protocol.Transport t -> {
        if (tls.isPresent() && !peer.tls().equals("true")) {
          // A peer proxy always sends the header inside mesh TLS; in plaintext anyone could name any port.
          log.warn("inbound connection from {} sent a transport header without mesh TLS; closing", remote);
          yield Forwarding.refused();
        }
        InetSocketAddress target = new InetSocketAddress(local.getAddress(), t.header().getPort());
        SessionProtocol session = t.header().getSessionProtocol();
        Protocol spoken = session.hasHttp2() ? new Protocol.Http2() : session.hasHttp1() ? new Protocol.Http1() : protocol;
        yield toApplication(target, spoken, remote, peer);
      }
      default -> original.map(target -> serves(target) ? toApplication(target, protocol, remote, peer) : foreign(target, remote))
          .orElseGet(() -> {
        log.debug("inbound connection to {} carries no transport header and has no original destination; closing", local);
        return Forwarding.refused();
      });
    };
  }

  /** The connection's bytes to the application as they are. */
  private Flow<ByteString, ByteString, NotUsed> relay(InetSocketAddress target) {
    return Forwarding.to(system, target, settings.dial());
  }

  /** Whether {@code target} is this pod's (Linkerd's {@code LINKERD2_PROXY_INBOUND_IPS}; any when none are given). */
  private boolean serves(InetSocketAddress target) {
    return settings.ips().isEmpty() || settings.ips().contains(target.getAddress());
  }

  /** A connection meant for another host: serving it would make this proxy a relay for anyone who can reach it. */
  private static Flow<ByteString, ByteString, NotUsed> foreign(InetSocketAddress target, InetSocketAddress remote) {
    log.warn("inbound connection from {} was for {}, not one of this pod's addresses; closing", remote, target);
    return Forwarding.refused();
  }

  private Flow<ByteString, ByteString, NotUsed> toApplication(InetSocketAddress target, Protocol protocol,
                                                              InetSocketAddress remote, HttpMetrics.Tls peer) {
    if (settings.ownPorts().contains(target.getPort())) {
      log.warn("inbound connection for {} would loop back into the proxy; closing", target);
      return Forwarding.refused();
    }
    if (settings.opaquePorts().get(target.getPort())) {
      return authorization.tcp(remote, target, peer, () -> relay(target));
    }
    return switch (protocol) {
      case Protocol.Http1 h -> httpFlows.http1(authorization.http(remote, target, peer).wrap(http.service(target, peer, remote)));
      case Protocol.Http2 h -> httpFlows.http2(authorization.http(remote, target, peer).wrap(http.service(target, peer, remote)));
      default -> authorization.tcp(remote, target, peer, () -> relay(target));
    };
  }
}
