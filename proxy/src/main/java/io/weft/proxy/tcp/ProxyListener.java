package io.weft.proxy.tcp;

import io.weft.proxy.metrics.TcpMetrics;
import io.weft.streams.tcp.EventLoops;
import io.weft.streams.tcp.TcpListener;
import io.weft.streams.tcp.TcpStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A proxy listener (inbound 4143, outbound 4140): accepts TCP connections, reads each one's
 * original destination when iptables redirected it, measures it with Linkerd's TCP families, and
 * hands it to the side's handler. Each connection counts in the proxy's {@link Drain} until its
 * socket closes.
 */
public final class ProxyListener {
  private static final Logger log = LoggerFactory.getLogger(ProxyListener.class);
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
  public static CompletionStage<TcpListener.Binding> bind(ActorSystem<?> system, InetSocketAddress listen, TcpOptions accepted,
                                                          TcpMetrics metrics, String direction, Handler handler) {
    EventLoops loops = EventLoops.get(system.classicSystem());
    Materializer materializer = Materializer.matFromSystem(system);
    Drain drain = Drain.get(system);
    try {
      return CompletableFuture.completedFuture(TcpListener.bind(loops, listen, BACKLOG, system.executionContext(), channel -> {
        SocketTuning.apply(channel, accepted);
        InetSocketAddress local;
        InetSocketAddress remote;
        try {
          local = (InetSocketAddress) channel.getLocalAddress();
          remote = (InetSocketAddress) channel.getRemoteAddress();
        } catch (IOException e) {
          closeQuietly(channel);
          return; // the client is already gone
        }
        // Once netfilter tracks connections, one made to the proxy itself reports its own address:
        // that connection was not redirected, so it has no original destination.
        Optional<InetSocketAddress> original = OriginalDestination.of(channel).filter(dst -> !dst.equals(local));
        drain.opened();
        try {
          TcpStage.accepted(loops, channel, drain::closed)
              .join(metrics.accepted(direction, measured -> handler.connection(local, remote, original, measured)))
              .run(materializer);
        } catch (RuntimeException e) {
          // Never started, so never closes by itself (the system is stopping, or a handler failed to build).
          log.warn("{} connection from {} could not start: {}", direction, remote, e.toString());
          closeQuietly(channel);
          drain.closed();
        }
      }));
    } catch (IOException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private static void closeQuietly(java.nio.channels.SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }
}
