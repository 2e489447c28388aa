package io.weft.proxy;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;

/**
 * A TCP relay on loopback that keeps a copy of every byte it passes, each direction separately:
 * what a capture on the wire between two proxies would see.
 */
public final class CapturingRelay implements AutoCloseable {
  private final ServerSocket server;
  private final int target;
  private final ByteArrayOutputStream upstream = new ByteArrayOutputStream();
  private final ByteArrayOutputStream downstream = new ByteArrayOutputStream();

  public CapturingRelay(int target) throws IOException {
    this.target = target;
    this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(this::accept);
  }

  public int port() {
    return server.getLocalPort();
  }

  /** Bytes from the connecting side to the target. */
  public byte[] upstream() {
    synchronized (upstream) {
      return upstream.toByteArray();
    }
  }

  /** Bytes from the target back to the connecting side. */
  public byte[] downstream() {
    synchronized (downstream) {
      return downstream.toByteArray();
    }
  }

  private void accept() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket onward = new Socket();
        onward.connect(new InetSocketAddress(InetAddress.getLoopbackAddress(), target));
        Thread.ofVirtual().start(() -> pump(client, onward, upstream));
        Thread.ofVirtual().start(() -> pump(onward, client, downstream));
      } catch (IOException e) {
        return; // closed
      }
    }
  }

  private static void pump(Socket from, Socket to, ByteArrayOutputStream copy) {
    byte[] buffer = new byte[16384];
    try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
      for (int n = in.read(buffer); n >= 0; n = in.read(buffer)) {
        synchronized (copy) {
          copy.write(buffer, 0, n);
        }
        out.write(buffer, 0, n);
      }
    } catch (IOException e) {
      // one side closed: close the other
    } finally {
      try {
        from.close();
        to.close();
      } catch (IOException ignored) {
        // already closed
      }
    }
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
