package io.weft.proxy.inbound;

import com.sun.net.httpserver.HttpServer;
import io.weft.protocol.net.Cidr;
import io.weft.protocol.policy.DefaultPolicy;
import io.weft.proxy.ProxyPair;
import io.weft.proxy.config.ProxyConfig;
import io.weft.proxy.control.ControlPlaneClient;
import io.weft.proxy.discovery.Following;
import io.weft.proxy.policy.InboundPolicies;
import io.weft.proxy.policy.InboundPolicy;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The inbound proxy follows its pod's port policy from the control plane's InboundServerPolicies,
 * as the proxy program does with Linkerd's LINKERD2_PROXY_POLICY_* settings, and enforces it on
 * every request: the install's default admits the meshed client, a Server with no authorization
 * shuts it out, an AuthorizationPolicy naming the client's ServiceAccount lets it back in — each
 * change reaching connections already open.
 */
class ServerPolicyEnforcementTest {
  private static final Duration FAILFAST = Duration.ofSeconds(3);
  private static final Duration PATIENCE = Duration.ofSeconds(30);

  @TempDir Path manifests;
  private HttpServer app;
  private ProxyPair pair;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws IOException {
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    app.createContext("/", exchange -> {
      byte[] body = "app".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    app.start();
    int appPort = app.getAddress().getPort();
    pair = ProxyPair.start(manifests, "api", 80, appPort, FAILFAST, (system, controlPlanePort) ->
        new InboundPolicy(DefaultPolicy.ALL_UNAUTHENTICATED, List.of(Cidr.parse("10.0.0.0/8"))).withPorts(new InboundPolicies(system,
            ControlPlaneClient.inboundPolicies(system, new InetSocketAddress("127.0.0.1", controlPlanePort)),
            "{\"ns\":\"shop\",\"pod\":\"api-0\"}", Set.of(appPort),
            new Following.Limits(Duration.ofMillis(100), Duration.ofSeconds(1), ProxyConfig.fromEnv(Map.of()).controlPlane().stream()))));
  }

  @AfterEach
  void stop() {
    app.stop(0);
    if (pair != null) {
      pair.close();
    }
  }

  private int status() throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pair.outboundPort() + "/"))
        .header("l5d-dst-override", "api.shop.svc.cluster.local:80").timeout(PATIENCE).build(), HttpResponse.BodyHandlers.discarding())
        .statusCode();
  }

  @Test
  void serversAndPoliciesFromTheControlPlaneDecide() throws Exception {
    await().atMost(PATIENCE).until(() -> status() == 200);

    Files.writeString(manifests.resolve("server.yaml"), """
        apiVersion: policy.linkerd.io/v1beta3
        kind: Server
        metadata: {name: api-http, namespace: shop}
        spec: {podSelector: {matchLabels: {app: api}}, port: app, proxyProtocol: HTTP/1}
        """);
    await().atMost(PATIENCE).until(() -> status() == 403);

    Files.writeString(manifests.resolve("policy.yaml"), """
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: api-from-client, namespace: shop}
        spec:
          targetRef: {group: policy.linkerd.io, kind: Server, name: api-http}
          requiredAuthenticationRefs: [{kind: ServiceAccount, name: client}]
        """);
    await().atMost(PATIENCE).until(() -> status() == 200);

    String scrape = pair.inboundMetrics().scrape();
    assertThat(scrape).containsPattern("inbound_http_authz_deny_total\\{[^}]*srv_group=\"policy.linkerd.io\",srv_kind=\"server\","
        + "srv_name=\"api-http\"");
    assertThat(scrape).containsPattern("inbound_http_authz_allow_total\\{authz_group=\"policy.linkerd.io\","
        + "authz_kind=\"authorizationpolicy\",authz_name=\"api-from-client\"[^}]*srv_kind=\"server\",srv_name=\"api-http\"");
  }
}
