package io.weft.proxy.tcp;

import io.weft.proxy.metrics.TcpMetrics;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A proxy listener (inbound 4143, outbound 4140): accepts TCP connections, reads each one's
 * original destination when iptables redirected it, measures it with Linkerd's TCP families, and
 * hands it to the side's handler.
 */
public final class ProxyListener {
  private static final int BACKLOG = 1024;

  /** What becomes of one accepted connection. */
  @FunctionalInterface
  public interface Handler {
    /** The flow of a connection from {@code remote} to {@code local}, redirected from {@code original} if intercepted. */
    Flow<ByteString, ByteString, NotUsed> connection(InetSocketAddress local, InetSocketAddress remote,
                                                     Optional<InetSocketAddress> original, TcpMetrics.Measured measured);
  }

  private ProxyListener() {}

  /** Listens on {@code listen}; each accepted connection gets {@code accepted}'s socket settings. */
  public static CompletionStage<Tcp.ServerBinding> bind(ActorSystem<?> system, InetSocketAddress listen, TcpOptions accepted,
                                                        TcpMetrics metrics, String direction, Handler handler) {
    OriginalDestination.Recorder originalDestinations = new OriginalDestination.Recorder();
    List<org.apache.pekko.io.Inet.SocketOption> options = new java.util.ArrayList<>(SocketTuning.of(accepted));
    options.add(originalDestinations);
    return Tcp.get(system).bind(listen.getHostString(), listen.getPort(), BACKLOG, options, true,
            Optional.empty())
        .to(Sink.foreach(connection -> connection.handleWith(metrics.accepted(direction,
            measured -> handler.connection(connection.localAddress(), connection.remoteAddress(),
                originalDestinations.take(connection.remoteAddress()), measured)), system)))
        .run(system);
  }
}
