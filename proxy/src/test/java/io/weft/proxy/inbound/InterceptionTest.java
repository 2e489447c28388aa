package io.weft.proxy.inbound;

import io.weft.proxy.tcp.RedirectRules;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real iptables REDIRECT: a connection to 127.11.12.13:P from one chosen source port is redirected
 * to the inbound proxy, which reads SO_ORIGINAL_DST through FFM and relays to 127.11.12.13:P.
 * Only that source port matches, so the proxy's own onward connection is not redirected again.
 * Needs root and iptables (CI installs it); rules are removed afterwards.
 */
class InterceptionTest {
  private static final String APP_IP = "127.11.12.13";
  private ActorSystem<Void> system;
  private ServerSocket app;
  private int proxyPort;
  private final RedirectRules rules = new RedirectRules();

  @BeforeEach
  void start() throws IOException {
    assumeTrue(System.getenv("CI") != null || RedirectRules.usable(), "needs root and iptables");
    system = ActorSystem.create(Behaviors.empty(), "interception-test");
    app = new ServerSocket(0, 50, InetAddress.getByName(APP_IP));
    Thread.ofVirtual().start(() -> {
      while (!app.isClosed()) {
        try (Socket s = app.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
          // The peer's port tells the test whether the connection came through the proxy.
          out.write(("app saw " + new String(in.readAllBytes(), StandardCharsets.US_ASCII) + " from " + s.getPort())
              .getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
          // closed
        }
      }
    });
    InboundProxy proxy = io.weft.proxy.LocalMesh.inboundProxy(system, new io.weft.proxy.metrics.ProxyMetrics(),
        Duration.ofMillis(500), Set.of());
    proxyPort = proxy.bind(new InetSocketAddress("127.0.0.1", 0)).toCompletableFuture().join().localAddress().getPort();
  }

  @AfterEach
  void stop() throws Exception {
    rules.close();
    if (app != null) {
      app.close();
    }
    if (system != null) {
      system.terminate();
    }
  }

  private void redirect(int sourcePort, int destinationPort, int toPort) throws Exception {
    rules.redirect(sourcePort, APP_IP, destinationPort, toPort);
  }

  private String send(int sourcePort, int destinationPort, String payload) throws IOException {
    return RedirectRules.send(sourcePort, APP_IP, destinationPort, payload);
  }

  @Test
  void aRedirectedConnectionGoesToItsOriginalDestination() throws Exception {
    int source = RedirectRules.freePort();
    redirect(source, app.getLocalPort(), proxyPort);
    // Opaque bytes: detection gives up on them at once and the original destination is used.
    String answer = send(source, app.getLocalPort(), "\u0000\u0001opaque");
    assertThat(answer).startsWith("app saw \u0000\u0001opaque from ");
    // Not the client's own port: the proxy made the connection the app saw.
    assertThat(answer).doesNotEndWith(" from " + source);
  }

  @Test
  void aRedirectedConnectionWhoseOriginalDestinationIsTheProxyIsRefused() throws Exception {
    // A proxy whose own port is the target: the loop guard closes the connection.
    InboundProxy guarded = io.weft.proxy.LocalMesh.inboundProxy(system, new io.weft.proxy.metrics.ProxyMetrics(),
        Duration.ofMillis(500), Set.of(app.getLocalPort()));
    int guardedPort = guarded.bind(new InetSocketAddress("127.0.0.1", 0)).toCompletableFuture().join().localAddress().getPort();
    int source = RedirectRules.freePort();
    redirect(source, app.getLocalPort(), guardedPort);
    assertThat(send(source, app.getLocalPort(), "loop")).isEmpty();
  }

  @Test
  void aRedirectedConnectionForAnAddressThatIsNotThePodsIsRefused() throws Exception {
    // LINKERD2_PROXY_INBOUND_IPS names the pod's addresses: anything else would make the proxy a relay.
    InboundProxy elsewhere = io.weft.proxy.LocalMesh.inboundProxy(system, new io.weft.proxy.metrics.ProxyMetrics(),
        Duration.ofMillis(500), Set.of(), java.util.Optional.empty(), io.weft.proxy.policy.InboundPolicy.allowAll(),
        Set.of(InetAddress.getByName("127.0.0.1")));
    int elsewherePort = elsewhere.bind(new InetSocketAddress("127.0.0.1", 0)).toCompletableFuture().join().localAddress().getPort();
    int source = RedirectRules.freePort();
    redirect(source, app.getLocalPort(), elsewherePort);
    assertThat(send(source, app.getLocalPort(), "\u0000relay me")).isEmpty();

    InboundProxy ours = io.weft.proxy.LocalMesh.inboundProxy(system, new io.weft.proxy.metrics.ProxyMetrics(),
        Duration.ofMillis(500), Set.of(), java.util.Optional.empty(), io.weft.proxy.policy.InboundPolicy.allowAll(),
        Set.of(InetAddress.getByName("127.0.0.1"), InetAddress.getByName(APP_IP)));
    int oursPort = ours.bind(new InetSocketAddress("127.0.0.1", 0)).toCompletableFuture().join().localAddress().getPort();
    int another = RedirectRules.freePort();
    redirect(another, app.getLocalPort(), oursPort);
    assertThat(send(another, app.getLocalPort(), "\u0000mine")).startsWith("app saw \u0000mine from ");
  }
}
