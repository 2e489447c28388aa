package io.weft.proxy.discovery;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A loopback TCP relay in front of a control plane that a test can break in two ways: from
 * {@link #blackHole()} on, the bytes of every connection open then are dropped in both directions
 * while the connections stay open (as behind a stale NAT entry or a dead route), and connections
 * made later pass bytes; while {@link #hangingUp} is set, it closes every connection, open or new,
 * at once (a control plane that is there but broken). Its port stays bound throughout.
 */
final class BlackHoleRelay implements AutoCloseable {
  private final ServerSocket listener;
  private final int target;
  private final Set<AtomicBoolean> open = ConcurrentHashMap.newKeySet();
  private final Set<Socket> sockets = ConcurrentHashMap.newKeySet();
  private final AtomicInteger hungUp = new AtomicInteger();
  private volatile boolean hangingUp;

  BlackHoleRelay(int target) throws IOException {
    this.target = target;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(this::accept);
  }

  int port() {
    return listener.getLocalPort();
  }

  /** How many connections have been made through the relay. */
  int connections() {
    return sockets.size() / 2;
  }

  void blackHole() {
    open.forEach(dropped -> dropped.set(true));
  }

  /** How many connections were closed on arrival while hanging up. */
  int hungUp() {
    return hungUp.get();
  }

  /**
   * Sets or clears hanging up. A connection being relayed as it is set is either closed here or
   * refused by the accept loop: the two take turns on this relay's lock, so none slips through.
   */
  synchronized void hangingUp(boolean on) {
    hangingUp = on;
    if (on) {
      sockets.forEach(BlackHoleRelay::close);
    }
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        synchronized (this) {
          if (hangingUp) {
            close(client);
            hungUp.incrementAndGet();
            continue;
          }
          sockets.add(client);
        }
        Socket server = new Socket();
        server.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target));
        sockets.add(server);
        AtomicBoolean dropped = new AtomicBoolean();
        open.add(dropped);
        Thread.ofVirtual().start(() -> pump(client, server, dropped));
        Thread.ofVirtual().start(() -> pump(server, client, dropped));
      } catch (IOException e) {
        // the listener closed, or the target refused: the client sees its connection closed
      }
    }
  }

  private static void pump(Socket from, Socket to, AtomicBoolean dropped) {
    byte[] buffer = new byte[16 * 1024];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        if (!dropped.get()) {
          out.write(buffer, 0, n);
        }
      }
    } catch (IOException e) {
      // one side closed
    } finally {
      close(from);
      close(to);
    }
  }

  private static void close(Socket socket) {
    try {
      socket.close();
    } catch (IOException e) {
      // already closed
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    sockets.forEach(BlackHoleRelay::close);
  }
}
