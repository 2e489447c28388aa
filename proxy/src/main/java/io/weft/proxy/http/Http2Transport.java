package io.weft.proxy.http;

import io.weft.protocol.transport.Header;
import io.weft.protocol.transport.SessionProtocol;
import io.weft.protocol.transport.TransportHeaderCodec;
import io.weft.proxy.tcp.Dial;
import io.weft.proxy.tcp.Forwarding;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.ClientTransport;
import org.apache.pekko.http.javadsl.OutgoingConnection;
import org.apache.pekko.http.javadsl.settings.ClientConnectionSettings;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * How Pekko HTTP's client connections (the proxy's HTTP/2 upstreams, and tap) are made: on Weft's
 * event loop ({@link Forwarding#connection}), not Pekko IO. For a meshed endpoint it connects to
 * the endpoint's proxy's inbound port instead of the endpoint itself, inside mesh TLS, first
 * writing the transport header that names the endpoint's port and says HTTP/2: how Linkerd proxies
 * talk in transport-header mode, and how the mesh works without iptables. For a proxy's own port
 * (tap) it connects there directly, inside mesh TLS.
 */
public final class Http2Transport extends ClientTransport {
  private final Optional<InetSocketAddress> address;
  private final Optional<ByteString> header;
  private final Optional<BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed>> tls;
  private final Dial dial;

  private Http2Transport(Optional<InetSocketAddress> address, Optional<ByteString> header,
                         Optional<BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed>> tls, Dial dial) {
    this.address = address;
    this.header = header;
    this.tls = tls;
    this.dial = dial;
  }

  /** To the address the connection is for, in plaintext. */
  static Http2Transport plain(Dial dial) {
    return new Http2Transport(Optional.empty(), Optional.empty(), Optional.empty(), dial);
  }

  /** {@code tls}: mesh TLS to the peer proxy, inside which the header and the requests travel. */
  static Http2Transport viaPeerProxy(InetSocketAddress peerProxy, int targetPort,
                                     Optional<BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed>> tls, Dial dial) {
    SessionProtocol.Builder protocol = SessionProtocol.newBuilder().setHttp2(SessionProtocol.Http2.getDefaultInstance());
    return new Http2Transport(Optional.of(peerProxy), Optional.of(ByteString.fromArray(TransportHeaderCodec.encode(
        Header.newBuilder().setPort(targetPort).setSessionProtocol(protocol).build()))), tls, dial);
  }

  /** Straight to {@code address} inside {@code tls}. */
  public static Http2Transport direct(InetSocketAddress address,
                                      BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> tls, Dial dial) {
    return new Http2Transport(Optional.of(address), Optional.empty(), Optional.of(tls), dial);
  }

  @Override
  public Flow<ByteString, ByteString, CompletionStage<OutgoingConnection>> connectTo(String host, int port,
                                                                                    ClientConnectionSettings settings,
                                                                                    ActorSystem system) {
    Flow<ByteString, ByteString, NotUsed> start = header.map(h -> Flow.<ByteString>create().prepend(Source.single(h)))
        .orElseGet(Flow::create);
    InetSocketAddress target = address.orElseGet(() -> new InetSocketAddress(host, port));
    return start.viaMat(Forwarding.secured(Forwarding.outgoing(system, target, dial), tls), Keep.right())
        .mapMaterializedValue(connected -> connected.thenApply(c ->
            new OutgoingConnection(new org.apache.pekko.http.scaladsl.Http.OutgoingConnection(c.local(), c.remote()))));
  }
}
