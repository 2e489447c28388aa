package io.weft.proxy.outbound;

import io.weft.streams.tcp.TcpListener;
import io.weft.proxy.http.Http2Keepalive;
import io.weft.proxy.http.HttpServerFlows;
import io.weft.proxy.tcp.TcpOptions;
import io.weft.proxy.metrics.TcpMetrics;
import io.weft.proxy.tcp.Forwarding;
import io.weft.proxy.tcp.ProxyListener;
import io.weft.proxy.tcp.ThisHost;
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
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The outbound side (4140): what this pod's application sends out. Each connection's first bytes
 * decide its fate: HTTP/1 and HTTP/2 are served request by request ({@link OutboundHttp}: discovery,
 * balancing, failfast); anything else is relayed as bytes ({@link OutboundOpaque}) to where it was
 * going, which only an intercepted connection (with an original destination) says. A connection
 * whose original destination is the proxy itself is refused (the loop guard).
 */
public final class OutboundProxy {
  private static final Logger log = LoggerFactory.getLogger(OutboundProxy.class);
  private static final String DIRECTION = "outbound";
  private static final Protocol OPAQUE = new Protocol.Opaque();

  /**
   * {@code ownPorts}: the proxy's listening ports, never a valid target; {@code http1}: the bounds
   * of an HTTP/1 head; {@code serverFirstProbe}: how long a client may say nothing before the
   * proxy connects where it was going, in case the server speaks first ({@link ServerFirstProbe});
   * {@code serverFirst}: the {@code weft.proxy.detect.server-first} settings of remembering it;
   * {@code http2}: the HTTP/2 server's pings; {@code accepted}: the application's connections' TCP settings.
   */
  public record Settings(Duration detectTimeout, int detectMaxBytes, Set<Integer> ownPorts, Http1Limits http1,
                         Duration serverFirstProbe, ServerFirstMemory.Settings serverFirst, Http2Keepalive http2,
                         TcpOptions accepted) {}

  private final ActorSystem<?> system;
  private final TcpMetrics metrics;
  private final HttpServerFlows httpFlows;
  private final OutboundHttp http;
  private final OutboundOpaque opaque;
  private final Settings settings;
  private final ServerFirstMemory serverFirst;

  public OutboundProxy(ActorSystem<?> system, TcpMetrics metrics, OutboundHttp http, OutboundOpaque opaque,
                       Settings settings) {
    this.system = system;
    this.metrics = metrics;
    this.httpFlows = new HttpServerFlows(system, settings.http1(), settings.http2());
    this.http = http;
    this.opaque = opaque;
    this.settings = settings;
    this.serverFirst = new ServerFirstMemory(settings.serverFirst(), System::nanoTime);
  }

  public CompletionStage<TcpListener.Binding> bind(InetSocketAddress listen) {
    return ProxyListener.bind(system, listen, settings.accepted(), metrics, DIRECTION, this::connection);
  }

  /** The flow of one connection from {@code remote}, redirected from {@code original} if intercepted. */
  Flow<ByteString, ByteString, NotUsed> connection(InetSocketAddress local, InetSocketAddress remote,
                                                  Optional<InetSocketAddress> original, TcpMetrics.Measured measured) {
    measured.plain(); // the application's own connection: never mesh TLS
    if (original.isPresent() && loops(original.get())) {
      log.warn("outbound connection from {} to {} would loop back into the proxy; closing", remote, original.get());
      return Forwarding.refused();
    }
    Flow<ByteString, ByteString, NotUsed> detected = ProtocolDetection.flow(settings.detectTimeout(), settings.detectMaxBytes(),
        protocol -> {
          metrics.detected(DIRECTION, protocol);
          return switch (protocol) {
            case Protocol.Http1 h -> httpFlows.http1(http.forConnection(remote, original));
            case Protocol.Http2 h -> httpFlows.http2(http.forConnection(remote, original));
            default -> original.map(opaque::to).orElseGet(() -> {
              log.debug("outbound connection from {} is not HTTP and has no original destination; closing", remote);
              return Forwarding.refused();
            });
          };
        });
    if (original.isEmpty()) {
      return detected;
    }
    InetSocketAddress to = original.get();
    Flow<ByteString, ByteString, NotUsed> probed = ServerFirstProbe.around(detected, settings.serverFirstProbe(),
        () -> opaque.to(to), () -> {
          metrics.detected(DIRECTION, OPAQUE);
          serverFirst.learned(to);
        });
    return Flow.completionStageFlow(opaque.markedOpaque(to).thenApply(marked -> {
          if (!marked && !serverFirst.remembers(to)) {
            return probed;
          }
          metrics.detected(DIRECTION, OPAQUE);
          return opaque.to(to);
        }))
        .mapMaterializedValue(m -> NotUsed.notUsed());
  }

  /** A target that is one of the proxy's ports on its own address (or on any local one). */
  private boolean loops(InetSocketAddress target) {
    return settings.ownPorts().contains(target.getPort()) && ThisHost.is(target.getAddress());
  }
}
