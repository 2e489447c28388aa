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
    Accepting accepting = new Accepting(loop, server, local, executor, handler, loops.acceptPause());
    loop.register(server, SelectionKey.OP_ACCEPT, accepting::ready, registered::complete);
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

  /**
   * Takes a listener's connections on its loop's thread. An accept that fails for want of
   * resources (file descriptors) pauses accepting for a while: the listener would otherwise be
   * ready again at once and spin on a connection it cannot take.
   */
  private static final class Accepting {
    private final EventLoop loop;
    private final ServerSocketChannel server;
    private final InetSocketAddress local;
    private final Executor executor;
    private final Handler handler;
    private final java.time.Duration pause;
    private final Executor afterPause;
    private int pauses; // since the last connection taken; only on the loop's thread

    Accepting(EventLoop loop, ServerSocketChannel server, InetSocketAddress local, Executor executor, Handler handler,
              java.time.Duration pause) {
      this.loop = loop;
      this.server = server;
      this.local = local;
      this.executor = executor;
      this.handler = handler;
      this.pause = pause;
      this.afterPause = CompletableFuture.delayedExecutor(pause.toNanos(), java.util.concurrent.TimeUnit.NANOSECONDS, loop::execute);
    }

    void ready(SelectionKey key) {
      while (true) {
        SocketChannel channel;
        try {
          channel = server.accept();
          if (channel == null) {
            return;
          }
        } catch (IOException e) {
          pause(key, e);
          return;
        }
        if (pauses > 0) {
          log.info("listener on {} accepts again after {} pause(s)", local, pauses);
          pauses = 0;
        }
        try {
          channel.configureBlocking(false);
          channel.setOption(StandardSocketOptions.TCP_NODELAY, true);
        } catch (IOException e) {
          // The client reset before we took it: the next one may do.
          log.debug("listener on {}: an accepted connection is already gone: {}", local, e.toString());
          closeQuietly(channel);
          continue;
        }
        loop.arriving(channel);
        executor.execute(() -> handler.accepted(channel));
      }
    }

    private void pause(SelectionKey key, IOException cause) {
      if (pauses++ == 0) {
        log.warn("listener on {} could not accept a connection ({}): accepting paused, retried every {} ms", local,
            cause.getMessage(), pause.toMillis());
      } else {
        log.debug("listener on {} still cannot accept ({}): pause {}", local, cause.getMessage(), pauses);
      }
      key.interestOps(0);
      afterPause.execute(() -> {
        if (key.isValid()) {
          key.interestOps(SelectionKey.OP_ACCEPT);
        }
      });
    }
  }

  private static void closeQuietly(SocketChannel channel) {
    try {
      channel.close();
    } catch (IOException ignored) {
      // already closed
    }
  }
}
