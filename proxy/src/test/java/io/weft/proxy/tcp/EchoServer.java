package io.weft.proxy.tcp;

import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A TCP server on loopback that answers the first bytes it reads with {@code "echo: "} and those
 * bytes, then closes — an opaque application for TCP policy tests — and the opaque Service that
 * fronts it at a cluster IP, as an application in a pod reaches it through its outbound proxy.
 */
public final class EchoServer implements AutoCloseable {
  /** The Service's cluster IP (loopback, so a redirected connection stays on this machine) and port. */
  public static final String CLUSTER_IP = "127.0.0.9";
  public static final int SERVICE_PORT = 9000;
  private static final int READ = 256;

  private final ServerSocket socket;

  public EchoServer() throws IOException {
    socket = new ServerSocket(0, 50, InetAddress.ofLiteral("127.0.0.1"));
    Thread.ofVirtual().start(() -> {
      while (!socket.isClosed()) {
        try (Socket s = socket.accept()) {
          byte[] read = new byte[READ];
          int n = s.getInputStream().read(read);
          s.getOutputStream().write(("echo: " + new String(read, 0, Math.max(n, 0), StandardCharsets.ISO_8859_1))
              .getBytes(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
          // closed by the test, or a client that left
        }
      }
    });
  }

  public int port() {
    return socket.getLocalPort();
  }

  /** Service {@code echo} of namespace {@code shop}: opaque, at {@link #CLUSTER_IP}, to this server's port on the pods labelled {@code app}. */
  public String service(String app) {
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: echo, namespace: shop, annotations: {config.linkerd.io/opaque-ports: "%d"}}
        spec:
          clusterIP: %s
          selector: {app: %s}
          ports: [{name: echo, port: %d, targetPort: %d}]
        """.formatted(SERVICE_PORT, CLUSTER_IP, app, SERVICE_PORT, port());
  }

  /**
   * An application's exchange with the Service, its connection redirected to {@code outboundPort} as
   * iptables would; the client half-closes after its payload, and the half-close crosses mesh TLS
   * between the proxies. The answer, or nothing when the connection was closed unanswered.
   */
  public static String meshed(RedirectRules rules, int outboundPort, String payload) throws Exception {
    int source = RedirectRules.freePort();
    rules.redirect(source, CLUSTER_IP, SERVICE_PORT, outboundPort);
    return RedirectRules.send(source, CLUSTER_IP, SERVICE_PORT, payload);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
