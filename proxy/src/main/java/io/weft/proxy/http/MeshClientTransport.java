package io.weft.proxy.http;

import io.weft.protocol.transport.Header;
import io.weft.protocol.transport.SessionProtocol;
import io.weft.protocol.transport.TransportHeaderCodec;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.http.javadsl.ClientTransport;
import org.apache.pekko.http.javadsl.OutgoingConnection;
import org.apache.pekko.http.javadsl.settings.ClientConnectionSettings;
import io.weft.proxy.tcp.Forwarding;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Connects Pekko's HTTP/2 client connections over mesh TLS. For a meshed endpoint it connects to
 * the endpoint's proxy's inbound port instead of the endpoint itself, first writing the transport
 * header that names the endpoint's port and says HTTP/2: how Linkerd proxies talk in
 * transport-header mode, and how the mesh works without iptables. For a proxy's own port (tap) it
 * connects there directly, inside mesh TLS.
 */
public final class MeshClientTransport extends ClientTransport {
  private final InetSocketAddress address;
  private final Optional<ByteString> header;
  private final Optional<BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed>> tls;

  private MeshClientTransport(InetSocketAddress address, Optional<ByteString> header,
                              Optional<BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed>> tls) {
    this.address = address;
    this.header = header;
    this.tls = tls;
  }

  /** {@code tls}: mesh TLS to the peer proxy, inside which the header and the requests travel. */
  static MeshClientTransport viaPeerProxy(InetSocketAddress peerProxy, int targetPort,
                                          Optional<BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed>> tls) {
    SessionProtocol.Builder protocol = SessionProtocol.newBuilder().setHttp2(SessionProtocol.Http2.getDefaultInstance());
    return new MeshClientTransport(peerProxy, Optional.of(ByteString.fromArray(TransportHeaderCodec.encode(
        Header.newBuilder().setPort(targetPort).setSessionProtocol(protocol).build()))), tls);
  }

  /** Straight to {@code address} inside {@code tls}. */
  public static MeshClientTransport direct(InetSocketAddress address,
                                           BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> tls) {
    return new MeshClientTransport(address, Optional.empty(), Optional.of(tls));
  }

  @Override
  public Flow<ByteString, ByteString, CompletionStage<OutgoingConnection>> connectTo(String host, int port,
                                                                                    ClientConnectionSettings settings,
                                                                                    ActorSystem system) {
    Flow<ByteString, ByteString, NotUsed> start = header.map(h -> Flow.<ByteString>create().prepend(Source.single(h)))
        .orElseGet(Flow::create);
    return start.viaMat(Forwarding.secured(ClientTransport.TCP().connectTo(address.getHostString(), address.getPort(),
        settings, system), tls), Keep.right());
  }
}
