package io.weft.proxy.inbound;

import com.sun.net.httpserver.HttpServer;
import io.weft.protocol.net.Cidr;
import io.weft.proxy.ProxyPair;
import io.weft.protocol.policy.DefaultPolicy;
import io.weft.proxy.policy.InboundPolicy;
import io.weft.proxy.tcp.RedirectRules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The inbound proxy enforces its default policy ({@code LINKERD2_PROXY_INBOUND_DEFAULT_POLICY}) on
 * real connections: a meshed client (through the outbound proxy, mesh TLS with its identity) and an
 * unmeshed one (plaintext, redirected by iptables), both from 127.0.0.1, with the cluster's
 * networks either holding that address or not. Denied HTTP gets 403 with {@code l5d-proxy-error};
 * denied TCP is closed; each decision is counted in Linkerd's families.
 */
class DefaultPolicyEnforcementTest {
  private static final Duration FAILFAST = Duration.ofSeconds(3);
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String APP_IP = "127.0.0.1";

  @TempDir Path manifests;
  private HttpServer app;
  /** A TCP server that answers whatever it reads first with "echo: " and those bytes. */
  private java.net.ServerSocket echo;
  private ProxyPair pair;
  private final RedirectRules rules = new RedirectRules();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws IOException {
    app = HttpServer.create(new InetSocketAddress(APP_IP, 0), 0);
    app.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    app.createContext("/", exchange -> {
      byte[] body = "app".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    app.start();
    echo = new java.net.ServerSocket(0, 50, java.net.InetAddress.ofLiteral(APP_IP));
    Thread.ofVirtual().start(() -> {
      while (!echo.isClosed()) {
        try (java.net.Socket s = echo.accept()) {
          byte[] read = new byte[256];
          int n = s.getInputStream().read(read);
          s.getOutputStream().write(("echo: " + new String(read, 0, Math.max(n, 0), StandardCharsets.ISO_8859_1))
              .getBytes(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
          // closed by the test, or a client that left
        }
      }
    });
  }

  @AfterEach
  void stop() throws Exception {
    rules.close();
    app.stop(0);
    echo.close();
    if (pair != null) {
      pair.close();
    }
  }

  private HttpResponse<String> meshed() throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pair.outboundPort() + "/"))
        .header("l5d-dst-override", "api.shop.svc.cluster.local:80").timeout(PATIENCE).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A plaintext connection to {@code port} of the pod, redirected to the inbound proxy as iptables would. */
  private String unmeshed(int port, String payload) throws Exception {
    int source = RedirectRules.freePort();
    rules.redirect(source, APP_IP, port, pair.inboundPort());
    return RedirectRules.send(source, APP_IP, port, payload);
  }

  @ParameterizedTest(name = "{0} with cluster networks {1}: meshed allowed {2}, unmeshed allowed {3}")
  @CsvSource({
      "all-unauthenticated,     127.0.0.0/8, true,  true",
      "all-authenticated,       127.0.0.0/8, true,  false",
      "cluster-unauthenticated, 127.0.0.0/8, true,  true",
      "cluster-unauthenticated, 10.0.0.0/8,  false, false",
      "cluster-authenticated,   127.0.0.0/8, true,  false",
      "cluster-authenticated,   10.0.0.0/8,  false, false",
      "deny,                    127.0.0.0/8, false, false",
      "audit,                   10.0.0.0/8,  true,  true"})
  void theDefaultPolicyDecidesWhoReachesTheApplication(String policy, String networks, boolean meshedAllowed, boolean unmeshedAllowed)
      throws Exception {
    assumeTrue(System.getenv("CI") != null || RedirectRules.usable(), "needs root and iptables");
    pair = ProxyPair.start(manifests, "api", 80, app.getAddress().getPort(), FAILFAST,
        new InboundPolicy(DefaultPolicy.parse(policy), List.of(Cidr.parse(networks))));

    // Meshed: once discovery has the endpoint, the answer is the application's or the policy's 403.
    await().atMost(PATIENCE).until(() -> {
      int status = meshed().statusCode();
      return status == 200 || status == 403;
    });
    HttpResponse<String> response = meshed();
    if (meshedAllowed) {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("app");
    } else {
      assertThat(response.statusCode()).isEqualTo(403);
      assertThat(response.headers().firstValue("l5d-proxy-error")).contains("unauthorized request");
    }

    // Unmeshed HTTP: 200 or 403 from the inbound proxy itself.
    String http = unmeshed(app.getAddress().getPort(), "GET / HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n");
    assertThat(http).startsWith(unmeshedAllowed ? "HTTP/1.1 200" : "HTTP/1.1 403");
    // Unmeshed TCP (bytes that are no HTTP): relayed to the application, or closed unanswered.
    String tcp = unmeshed(echo.getLocalPort(), "\u0000\u0001 not http");
    if (unmeshedAllowed) {
      assertThat(tcp).isEqualTo("echo: \u0000\u0001 not http");
    } else {
      assertThat(tcp).as("closed without a byte").isEmpty();
    }

    String scrape = pair.inboundMetrics().scrape();
    String family = meshedAllowed ? "inbound_http_authz_allow_total" : "inbound_http_authz_deny_total";
    assertThat(scrape).containsPattern(family + "\\{[^}]*client_id=\"" + ProxyPair.CLIENT_ID + "\"[^}]*srv_kind=\"default\",srv_name=\""
        + policy + "\"");
    assertThat(scrape).containsPattern((unmeshedAllowed ? "inbound_tcp_authz_allow_total" : "inbound_tcp_authz_deny_total")
        + "\\{[^}]*srv_name=\"" + policy + "\"[^}]*} 1");
  }
}
