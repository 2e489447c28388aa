package io.weft.proxy.inbound;

import com.sun.net.httpserver.HttpServer;
import io.weft.proxy.ProxyPair;
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
import java.util.Set;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The inbound proxy follows its pod's port policy from the control plane's InboundServerPolicies,
 * as the proxy program does with Linkerd's LINKERD2_PROXY_POLICY_* settings, and enforces it on
 * every request: the install's default admits the meshed client, a Server with no authorization
 * shuts it out, an AuthorizationPolicy naming the client's ServiceAccount lets it back in — each
 * change reaching connections already open; under steady load a change that keeps the client in
 * fails none of its requests, and one that shuts it out takes effect within a second of the
 * manifest's write (~130 ms here).
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
    pair = ProxyPair.followingPolicies(manifests, "api", 80, appPort, FAILFAST, Set.of(appPort));
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

  private static String policy(String name, String requirement) {
    return """
        apiVersion: policy.linkerd.io/v1beta3
        kind: Server
        metadata: {name: api-http, namespace: shop}
        spec: {podSelector: {matchLabels: {app: api}}, port: app, proxyProtocol: HTTP/1}
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata: {name: client-identity, namespace: shop}
        spec: {identities: [%s]}
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: %s, namespace: shop}
        spec:
          targetRef: {group: policy.linkerd.io, kind: Server, name: api-http}
          requiredAuthenticationRefs: [%s]
        """.formatted(ProxyPair.CLIENT_ID, name, requirement);
  }

  /** Statuses of a steady stream of requests, with when each was answered. */
  private record Answered(long at, int status) {}

  @Test
  void aPolicyChangeUnderLoadTakesEffectWithinASecondAndFailsNoAllowedRequest() throws Exception {
    Files.writeString(manifests.resolve("policy.yaml"), policy("api-by-identity",
        "{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: client-identity}"));
    await().atMost(PATIENCE).until(() -> status() == 200
        && pair.inboundMetrics().scrape().contains("authz_name=\"api-by-identity\""));

    java.util.concurrent.ConcurrentLinkedQueue<Answered> answers = new java.util.concurrent.ConcurrentLinkedQueue<>();
    java.util.concurrent.atomic.AtomicBoolean running = new java.util.concurrent.atomic.AtomicBoolean(true);
    Thread load = Thread.ofPlatform().start(() -> {
      while (running.get()) {
        try {
          answers.add(new Answered(System.nanoTime(), status()));
        } catch (Exception e) {
          answers.add(new Answered(System.nanoTime(), -1));
        }
      }
    });
    try {
      // A change that keeps the client in: its ServiceAccount instead of its identity.
      Files.writeString(manifests.resolve("policy.yaml"), policy("api-by-account", "{kind: ServiceAccount, name: client}"));
      await().atMost(PATIENCE).until(() -> pair.inboundMetrics().scrape().contains("authz_name=\"api-by-account\""));
      assertThat(answers).as("no allowed request failed while the policy changed").allMatch(a -> a.status() == 200);

      // A change that shuts it out: only another ServiceAccount.
      long changed = System.nanoTime();
      Files.writeString(manifests.resolve("policy.yaml"), policy("api-by-other", "{kind: ServiceAccount, name: other}"));
      await().atMost(PATIENCE).until(() -> answers.stream().anyMatch(a -> a.at() > changed && a.status() == 403));
      long denied = answers.stream().filter(a -> a.at() > changed && a.status() == 403).mapToLong(Answered::at).min().orElseThrow();
      assertThat(Duration.ofNanos(denied - changed)).as("from the manifest's write to the first denial").isLessThan(Duration.ofSeconds(1));
      assertThat(answers).as("only the application's answer or the policy's").allMatch(a -> a.status() == 200 || a.status() == 403);
    } finally {
      running.set(false);
      load.join();
    }
  }
}
