package io.weft.proxy.tcp;

import io.weft.protocol.transport.Header;
import io.weft.protocol.transport.TransportHeaderCodec;
import io.weft.streams.tcp.EventLoops;
import io.weft.streams.tcp.TcpStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/** The byte flows a proxied connection ends in: a TCP connection onwards, or a refusal. */
public final class Forwarding {
  private Forwarding() {}

  /** Relays the connection's bytes to {@code target}, half-close aware. */
  public static Flow<ByteString, ByteString, NotUsed> to(ActorSystem<?> system, InetSocketAddress target, Dial dial) {
    return connection(system, target, dial).mapMaterializedValue(connected -> NotUsed.notUsed());
  }

  /** A TCP connection to {@code target}, half-close aware; it materializes into its connection's completion. */
  public static Flow<ByteString, ByteString, CompletionStage<?>> connection(ActorSystem<?> system, InetSocketAddress target,
                                                                           Dial dial) {
    return outgoing(system.classicSystem(), target, dial).mapMaterializedValue(connected -> (CompletionStage<?>) connected);
  }

  /** As {@link #connection}, materializing into the connection's addresses. */
  public static Flow<ByteString, ByteString, CompletionStage<TcpStage.Connected>> outgoing(
      org.apache.pekko.actor.ActorSystem system, InetSocketAddress target, Dial dial) {
    return TcpStage.outgoing(EventLoops.get(system), target, dial.timeout(), channel -> SocketTuning.apply(channel, dial.tcp()));
  }

  /**
   * Relays to a peer proxy's inbound port, first sending the transport header that tells it which
   * of its pod's ports the connection is for; inside mesh TLS when {@code tls} is given.
   */
  public static Flow<ByteString, ByteString, NotUsed> viaPeerProxy(ActorSystem<?> system, InetSocketAddress peerInbound,
                                                                   Header header, Dial dial,
                                                                   Optional<BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed>> tls) {
    return peerConnection(system, peerInbound, header, dial, tls).mapMaterializedValue(connected -> NotUsed.notUsed());
  }

  /** As {@link #viaPeerProxy}, materializing into the TCP connection's completion. */
  public static Flow<ByteString, ByteString, CompletionStage<?>> peerConnection(ActorSystem<?> system, InetSocketAddress peerInbound,
      Header header, Dial dial, Optional<BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed>> tls) {
    return Flow.<ByteString>create()
        .prepend(Source.single(ByteString.fromArray(TransportHeaderCodec.encode(header))))
        .viaMat(secured(connection(system, peerInbound, dial), tls), Keep.right());
  }

  /** {@code connection} with {@code tls} (if any) between it and the plaintext. */
  public static <M> Flow<ByteString, ByteString, M> secured(Flow<ByteString, ByteString, M> connection,
                                                           Optional<BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed>> tls) {
    return tls.map(t -> t.join(connection, Keep.right())).orElse(connection);
  }

  /** Closes the connection without reading from or writing to it. */
  public static Flow<ByteString, ByteString, NotUsed> refused() {
    return Flow.fromSinkAndSource(Sink.cancelled(), Source.empty());
  }
}
