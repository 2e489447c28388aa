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
 * Connects Pekko's HTTP/2 client connections for a meshed endpoint to its proxy's inbound port
 * instead of the endpoint itself, first writing the transport header that names the endpoint's
 * port and says HTTP/2: how Linkerd proxies talk in transport-header mode, and how the mesh works
 * without iptables.
 */
final class TransportHeaderClientTransport extends ClientTransport {
  private final InetSocketAddress peerProxy;
  private final ByteString header;
  private final Optional<BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed>> tls;

  /** {@code tls}: mesh TLS to the peer proxy, inside which the header and the requests travel. */
  TransportHeaderClientTransport(InetSocketAddress peerProxy, int targetPort,
                                 Optional<BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed>> tls) {
    this.peerProxy = peerProxy;
    this.tls = tls;
    SessionProtocol.Builder protocol = SessionProtocol.newBuilder().setHttp2(SessionProtocol.Http2.getDefaultInstance());
    this.header = ByteString.fromArray(TransportHeaderCodec.encode(Header.newBuilder().setPort(targetPort)
        .setSessionProtocol(protocol).build()));
  }

  @Override
  public Flow<ByteString, ByteString, CompletionStage<OutgoingConnection>> connectTo(String host, int port,
                                                                                    ClientConnectionSettings settings,
                                                                                    ActorSystem system) {
    return Flow.<ByteString>create()
        .prepend(Source.single(header))
        .viaMat(Forwarding.secured(ClientTransport.TCP().connectTo(peerProxy.getHostString(), peerProxy.getPort(), settings,
            system), tls), Keep.right());
  }
}
