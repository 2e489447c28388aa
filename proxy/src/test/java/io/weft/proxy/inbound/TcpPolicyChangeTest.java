package io.weft.proxy.inbound;

import com.sun.net.httpserver.HttpServer;
import io.weft.proxy.ProxyPair;
import io.weft.proxy.tcp.RedirectRules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An open TCP connection that a policy change no longer admits is closed by the inbound proxy, and
 * counted in {@code inbound_tcp_authz_terminate_total}, as Linkerd's proxy does: admitting a
 * connection is not a promise for its whole life.
 */
class TcpPolicyChangeTest {
  private static final Duration FAILFAST = Duration.ofSeconds(3);
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String APP_IP = "127.0.0.1";

  @TempDir Path manifests;
  private HttpServer app;
  private ServerSocket echo;
  private ProxyPair pair;
  private final RedirectRules rules = new RedirectRules();

  @BeforeEach
  void start() throws IOException {
    assumeTrue(System.getenv("CI") != null || RedirectRules.usable(), "needs root and iptables");
    app = HttpServer.create(new InetSocketAddress(APP_IP, 0), 0);
    app.start();
    echo = new ServerSocket(0, 50, InetAddress.ofLiteral(APP_IP));
    // Echoes everything each client sends, for as long as it stays.
    Thread.ofVirtual().start(() -> {
      while (!echo.isClosed()) {
        try {
          Socket s = echo.accept();
          Thread.ofVirtual().start(() -> {
            try (s) {
              s.getInputStream().transferTo(s.getOutputStream());
            } catch (IOException e) {
              // the client or the proxy went away
            }
          });
        } catch (IOException e) {
          // closed by the test
        }
      }
    });
    int echoPort = echo.getLocalPort();
    pair = ProxyPair.followingPolicies(manifests, "api", 80, app.getAddress().getPort(), FAILFAST, Set.of(echoPort));
  }

  @AfterEach
  void stop() throws Exception {
    rules.close();
    if (app != null) {
      app.stop(0);
    }
    if (echo != null) {
      echo.close();
    }
    if (pair != null) {
      pair.close();
    }
  }

  private String policy(String cidr) {
    return """
        apiVersion: policy.linkerd.io/v1beta3
        kind: Server
        metadata: {name: echo-tcp, namespace: shop}
        spec: {podSelector: {matchLabels: {app: api}}, port: %d, proxyProtocol: opaque}
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: NetworkAuthentication
        metadata: {name: clients, namespace: shop}
        spec: {networks: [{cidr: "%s"}]}
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: echo-from-clients, namespace: shop}
        spec:
          targetRef: {group: policy.linkerd.io, kind: Server, name: echo-tcp}
          requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: NetworkAuthentication, name: clients}]
        """.formatted(echo.getLocalPort(), cidr);
  }

  /** A plaintext connection to the echo port, redirected to the inbound proxy as iptables would. */
  private Socket connect() throws Exception {
    int source = RedirectRules.freePort();
    rules.redirect(source, APP_IP, echo.getLocalPort(), pair.inboundPort());
    Socket s = new Socket();
    s.setReuseAddress(true);
    s.bind(new InetSocketAddress("127.0.0.1", source));
    s.connect(new InetSocketAddress(APP_IP, echo.getLocalPort()), 5_000);
    s.setSoTimeout((int) PATIENCE.toMillis());
    return s;
  }

  private static String roundTrip(Socket s, String line) throws IOException {
    s.getOutputStream().write(line.getBytes(StandardCharsets.US_ASCII));
    byte[] read = new byte[line.length()];
    int n = 0;
    InputStream in = s.getInputStream();
    while (n < read.length) {
      int got = in.read(read, n, read.length - n);
      if (got < 0) {
        break;
      }
      n += got;
    }
    return new String(read, 0, n, StandardCharsets.US_ASCII);
  }

  @Test
  void anOpenConnectionThePolicyNoLongerAdmitsIsClosed() throws Exception {
    Files.writeString(manifests.resolve("policy.yaml"), policy("127.0.0.0/8"));
    // Once the proxy enforces the Server, a connection is admitted by its policy. (While the control
    // plane's answers arrive, a probe may meet the Server before its authorization, and be closed:
    // only a probe echoed once the Server is known shows that its authorization is in too.)
    await().atMost(PATIENCE).ignoreExceptions().until(() -> {
      try (Socket s = connect()) {
        return roundTrip(s, "probe\n").equals("probe\n") && pair.inboundMetrics().scrape().contains("srv_name=\"echo-tcp\"");
      }
    });
    // A probe open while the Server arrived before its authorization was terminated then: count from here.
    double terminatedBefore = terminated();
    try (Socket open = connect()) {
      assertThat(roundTrip(open, "one\n")).isEqualTo("one\n");
      Files.writeString(manifests.resolve("policy.yaml"), policy("10.0.0.0/8"));
      // The proxy closes it: the next read ends (or the reset fails it) instead of echoing.
      await().atMost(PATIENCE).until(() -> {
        try {
          return !roundTrip(open, "two\n").equals("two\n");
        } catch (IOException e) {
          return true;
        }
      });
    }
    assertThat(terminated()).isEqualTo(terminatedBefore + 1);
  }

  /** inbound_tcp_authz_terminate_total for the echo-tcp Server (0 before its first termination). */
  private double terminated() {
    java.util.regex.Matcher m = java.util.regex.Pattern.compile(
        "inbound_tcp_authz_terminate_total\\{[^}]*srv_name=\"echo-tcp\"[^}]*} (\\S+)").matcher(pair.inboundMetrics().scrape());
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
