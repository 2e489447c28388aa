package io.weft.streams.tcp;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardSocketOptions;
import java.nio.channels.SelectionKey;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * A listening socket on an {@link EventLoop}: accepts connections on the loop's thread and hands
 * each, non-blocking, to the handler on {@code executor} (where making its stream happens, off
 * the loop).
 */
public final class TcpListener {
  private static final Logger log = LoggerFactory.getLogger(TcpListener.class);

  /** What becomes of an accepted connection. */
  @FunctionalInterface
  public interface Handler {
    void accepted(SocketChannel channel);
  }

  /** A bound listener. */
  public interface Binding {
    InetSocketAddress localAddress();

    /** Stops accepting; connections already accepted go on. */
    CompletionStage<Void> unbind();
  }

  private TcpListener() {}

  /** Listens on {@code address} with room for {@code backlog} connections not yet accepted. */
  public static Binding bind(EventLoops loops, InetSocketAddress address, int backlog, Executor executor, Handler handler)
      throws IOException {
    ServerSocketChannel server = ServerSocketChannel.open();
    try {
      server.setOption(StandardSocketOptions.SO_REUSEADDR, true);
      server.bind(address.isUnresolved() ? new InetSocketAddress(address.getHostString(), address.getPort()) : address, backlog);
      server.configureBlocking(false);
    } catch (IOException e) {
      server.close();
      throw new IOException("cannot listen on " + address + ": " + e.getMessage(), e);
    }
    InetSocketAddress local = (InetSocketAddress) server.getLocalAddress();
    EventLoop loop = loops.next();
    CompletableFuture<SelectionKey> registered = new CompletableFuture<>();
    loop.register(server, SelectionKey.OP_ACCEPT, key -> accept(loop, server, local, executor, handler), registered::complete);
    return new Binding() {
      @Override
      public InetSocketAddress localAddress() {
        return local;
      }

      @Override
      public CompletionStage<Void> unbind() {
        CompletableFuture<Void> unbound = new CompletableFuture<>();
        registered.thenAccept(key -> loop.execute(() -> {
          try {
            loop.closeNow(key);
          } catch (IOException e) {
            log.debug("closing the listener on {}: {}", local, e.toString());
          }
          unbound.complete(null);
        }));
        return unbound;
      }
    };
  }

  private static void accept(EventLoop loop, ServerSocketChannel server, InetSocketAddress local, Executor executor,
                             Handler handler) {
    while (true) {
      SocketChannel channel;
      try {
        channel = server.accept();
        if (channel == null) {
          return;
        }
        channel.configureBlocking(false);
        channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
      } catch (IOException e) {
        // Out of file descriptors, or the client reset before we took it: the next one may do.
        log.warn("listener on {} could not accept a connection: {}", local, e.toString());
        return;
      }
      loop.arriving(channel);
      executor.execute(() -> handler.accepted(channel));
    }
  }
}
