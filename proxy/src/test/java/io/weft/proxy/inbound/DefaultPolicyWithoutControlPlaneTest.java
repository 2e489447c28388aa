package io.weft.proxy.inbound;

import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import io.weft.proxy.ProxyRuntime;
import io.weft.proxy.config.ProxyConfig;
import io.weft.proxy.tcp.RedirectRules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The proxy program as a pod runs it, from its environment, with its control plane unreachable:
 * its default policy still holds — {@code deny} denies (never fails open because nothing answers),
 * {@code audit} allows and counts.
 */
class DefaultPolicyWithoutControlPlaneTest {
  private static final String APP_IP = "127.0.0.1";
  private HttpServer app;
  private final RedirectRules rules = new RedirectRules();

  @BeforeEach
  void start() throws IOException {
    app = HttpServer.create(new InetSocketAddress(APP_IP, 0), 0);
    app.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    app.createContext("/", exchange -> {
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    app.start();
  }

  @AfterEach
  void stop() throws Exception {
    rules.close();
    app.stop(0);
  }

  @ParameterizedTest
  @CsvSource({"deny, HTTP/1.1 403, inbound_http_authz_deny_total", "audit, HTTP/1.1 200, inbound_http_authz_allow_total"})
  void theDefaultPolicyHoldsWithNoControlPlane(String policy, String answer, String counted) throws Exception {
    request(policy, Map.of(), answer, counted, policy);
  }

  /** {@code config.linkerd.io/proxy-require-identity-inbound-ports}: a plaintext client is refused there whatever the default. */
  @ParameterizedTest
  @CsvSource({"all-unauthenticated, all-authenticated", "cluster-unauthenticated, cluster-authenticated"})
  void aPortThatRequiresIdentityRefusesAPlaintextClient(String policy, String effective) throws Exception {
    request(policy, Map.of("LINKERD2_PROXY_INBOUND_PORTS_REQUIRE_IDENTITY", Integer.toString(app.getAddress().getPort())),
        "HTTP/1.1 403", "inbound_http_authz_deny_total", effective);
  }

  private void request(String policy, Map<String, String> more, String answer, String counted, String countedAs) throws Exception {
    assumeTrue(System.getenv("CI") != null || RedirectRules.usable(), "needs root and iptables");
    Map<String, String> env = new HashMap<>(Map.of(
        "LINKERD2_PROXY_INBOUND_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "127.0.0.1:0",
        // Nothing listens there: no policy, no discovery, no identity can come from it.
        "LINKERD2_PROXY_DESTINATION_SVC_ADDR", "127.0.0.1:1",
        "LINKERD2_PROXY_INBOUND_DEFAULT_POLICY", policy));
    env.putAll(more);
    try (ProxyRuntime proxy = ProxyRuntime.start(ProxyConfig.fromEnv(env), env, ConfigFactory.load())) {
      int source = RedirectRules.freePort();
      rules.redirect(source, APP_IP, app.getAddress().getPort(), proxy.inboundAddress().getPort());
      String response = RedirectRules.send(source, APP_IP, app.getAddress().getPort(),
          "GET / HTTP/1.1\r\nHost: app\r\nConnection: close\r\n\r\n");
      assertThat(response).startsWith(answer);
      assertThat(proxy.metrics().scrape()).containsPattern(counted + "\\{[^}]*srv_kind=\"default\",srv_name=\"" + countedAs + "\"[^}]*} 1");
    }
  }
}
