package io.weft.proxy.inbound;

import com.sun.net.httpserver.HttpServer;
import io.weft.proxy.PolicyMesh;
import io.weft.proxy.ProxyPair;
import io.weft.proxy.tcp.RedirectRules;
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
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The book's route-based policy for booksapp (seed 001, chapter 9), applied step by step to the local
 * cluster with the authors workload's proxy enforcing it: its manifests as printed (the HTTPRoutes
 * in {@code policy.linkerd.io/v1beta3}, the version this control plane serves), its clients meshed
 * with the books, webapp and traffic identities, and the kubelet probing {@code /ping} in plaintext.
 * Each step's calls get what the book says: allowed (200), unauthorized (403), or no route (404).
 */
class BooksappRoutePolicyTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String APP_IP = "127.0.0.1";

  @TempDir Path manifests;
  private HttpServer authors;
  private PolicyMesh mesh;
  private final RedirectRules rules = new RedirectRules();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeEach
  void start() throws IOException {
    authors = HttpServer.create(new InetSocketAddress(APP_IP, 0), 0);
    authors.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    authors.createContext("/", exchange -> {
      exchange.getRequestBody().readAllBytes();
      byte[] body = (exchange.getRequestMethod() + " " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    authors.start();
    mesh = PolicyMesh.start(manifests, "booksapp", "authors", "service", 7001, authors.getAddress().getPort(), "/ping",
        "books", "webapp", "traffic");
  }

  @AfterEach
  void stop() throws Exception {
    rules.close();
    authors.stop(0);
    if (mesh != null) {
      mesh.close();
    }
  }

  /** {@code account}'s application calling authors. */
  private int call(String account, String method, String path) throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.client(account).outboundPort() + path))
        .header("l5d-dst-override", "authors.booksapp.svc.cluster.local:7001").method(method, HttpRequest.BodyPublishers.noBody())
        .timeout(PATIENCE).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  /** The kubelet's readiness probe: a plaintext GET redirected to the pod's inbound proxy, as iptables does. */
  private String probe() throws Exception {
    int source = RedirectRules.freePort();
    rules.redirect(source, APP_IP, authors.getAddress().getPort(), mesh.inboundPort());
    return RedirectRules.send(source, APP_IP, authors.getAddress().getPort(),
        "GET /ping HTTP/1.1\r\nHost: " + APP_IP + "\r\nConnection: close\r\n\r\n");
  }

  private void apply(String name, String yaml) throws IOException {
    Files.writeString(manifests.resolve(name + ".yaml"), yaml);
  }

  @Test
  void theChapterNineSequence() throws Exception {
    assumeTrue(System.getenv("CI") != null || RedirectRules.usable(), "needs root and iptables");
    // Example 9-1: no policy yet, everything can reach everything.
    await().atMost(PATIENCE).until(() -> call("books", "GET", "/authors.json") == 200);
    assertThat(call("traffic", "DELETE", "/authors/1.json")).isEqualTo(200);

    // Examples 9-2 and 9-3: infrastructure policy, and the namespace switched to default deny.
    apply("books-infra-policy", """
        ---
        apiVersion: policy.linkerd.io/v1beta1
        kind: Server
        metadata:
          namespace: booksapp
          name: linkerd-admin
        spec:
          podSelector:
            matchLabels: {}
          port: linkerd-admin
          proxyProtocol: HTTP/2
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata:
          name: allow-viz
          namespace: booksapp
        spec:
          targetRef:
            kind: Namespace
            name: booksapp
          requiredAuthenticationRefs:
            - name: linkerd-viz
              kind: MeshTLSAuthentication
              group: policy.linkerd.io
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata:
          name: linkerd-viz
          namespace: booksapp
        spec:
          identities:
            - "tap.linkerd-viz.serviceaccount.identity.linkerd.cluster.local"
            - "prometheus.linkerd-viz.serviceaccount.identity.linkerd.cluster.local"
        """);
    apply("authors", Files.readString(manifests.resolve("authors.yaml")).replace(
        "metadata: {name: booksapp, annotations: {linkerd.io/inject: enabled}}",
        "metadata: {name: booksapp, annotations: {linkerd.io/inject: enabled, config.linkerd.io/default-inbound-policy: deny}}"));
    await().atMost(PATIENCE).until(() -> call("books", "GET", "/authors.json") == 403);
    assertThat(probe()).as("the probe routes Linkerd generates keep the pod ready").startsWith("HTTP/1.1 200");

    // Examples 9-4 to 9-6: the authors Server, its read-only route, and books allowed on it.
    apply("authors-read", """
        ---
        apiVersion: policy.linkerd.io/v1beta1
        kind: Server
        metadata:
          namespace: booksapp
          name: authors
          labels:
            app: authors
            app.kubernetes.io/part-of: booksapp
            project: booksapp
        spec:
          podSelector:
            matchLabels:
              app: authors
              project: booksapp
          port: service
          proxyProtocol: HTTP/1
        ---
        apiVersion: policy.linkerd.io/v1beta3
        kind: HTTPRoute
        metadata:
          name: authors-get-route
          namespace: booksapp
          labels:
            app.kubernetes.io/part-of: booksapp
            project: booksapp
        spec:
          parentRefs:
            - name: authors
              kind: Server
              group: policy.linkerd.io
          rules:
            - matches:
              - path:
                  value: "/authors.json"
                method: GET
              - path:
                  value: "/authors/"
                  type: "PathPrefix"
                method: GET
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata:
          name: allow-books-to-authors
          namespace: booksapp
          labels:
            app.kubernetes.io/part-of: booksapp
            project: booksapp
        spec:
          targetRef:
            group: policy.linkerd.io
            kind: HTTPRoute
            name: authors-get-route
          requiredAuthenticationRefs:
            - name: books
              kind: MeshTLSAuthentication
              group: policy.linkerd.io
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata:
          name: books
          namespace: booksapp
        spec:
          identities:
            - "books.booksapp.serviceaccount.identity.linkerd.cluster.local"
        """);
    await().atMost(PATIENCE).until(() -> call("books", "GET", "/authors.json") == 200);
    assertThat(call("books", "GET", "/authors/12.json")).isEqualTo(200);
    assertThat(call("books", "DELETE", "/authors/12.json")).as("no route for it").isEqualTo(404);
    assertThat(call("webapp", "GET", "/authors.json")).as("webapp is not authorized yet").isEqualTo(403);
    assertThat(probe()).as("\"we've just broken health checks\"").startsWith("HTTP/1.1 404");

    // Example 9-7: a route of its own for the probes, authorized by network.
    apply("authors-probes", """
        ---
        apiVersion: policy.linkerd.io/v1beta1
        kind: HTTPRoute
        metadata:
          name: books-probes
          namespace: booksapp
        spec:
          parentRefs:
            - name: authors
              kind: Server
              group: policy.linkerd.io
          rules:
            - matches:
              - path:
                  value: "/ping"
                method: GET
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata:
          name: authors-probe
          namespace: booksapp
        spec:
          targetRef:
            group: policy.linkerd.io
            kind: HTTPRoute
            name: books-probes
          requiredAuthenticationRefs:
            - name: probe-authn
              kind: NetworkAuthentication
              group: policy.linkerd.io
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: NetworkAuthentication
        metadata:
          name: probe-authn
          namespace: booksapp
        spec:
          networks:
          - cidr: 0.0.0.0/0
          - cidr: ::/0
        """.replace("policy.linkerd.io/v1beta1\n        kind: HTTPRoute", "policy.linkerd.io/v1beta3\n        kind: HTTPRoute"));
    await().atMost(PATIENCE).until(() -> probe().startsWith("HTTP/1.1 200"));

    // Example 9-9: webapp may read authors too.
    apply("authors-webapp", """
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata:
          name: allow-webapp-to-authors
          namespace: booksapp
          labels:
            app.kubernetes.io/part-of: booksapp
            project: booksapp
        spec:
          targetRef:
            group: policy.linkerd.io
            kind: HTTPRoute
            name: authors-get-route
          requiredAuthenticationRefs:
            - name: webapp
              kind: MeshTLSAuthentication
              group: policy.linkerd.io
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata:
          name: webapp
          namespace: booksapp
        spec:
          identities:
            - "webapp.booksapp.serviceaccount.identity.linkerd.cluster.local"
        """);
    await().atMost(PATIENCE).until(() -> call("webapp", "GET", "/authors.json") == 200);
    assertThat(call("webapp", "PUT", "/authors/12.json")).as("read only").isEqualTo(404);

    // Examples 9-10 and 9-11: writes to authors, for webapp and books.
    apply("authors-modify", """
        ---
        apiVersion: policy.linkerd.io/v1beta1
        kind: HTTPRoute
        metadata:
          name: authors-modify-route
          namespace: booksapp
        spec:
          parentRefs:
            - name: authors
              kind: Server
              group: policy.linkerd.io
          rules:
            - matches:
              - path:
                  value: "/authors/"
                  type: "PathPrefix"
                method: DELETE
              - path:
                  value: "/authors/"
                  type: "PathPrefix"
                method: PUT
              - path:
                  value: "/authors.json"
                method: POST
              - path:
                  value: "/"
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata:
          name: authors-modify-policy
          namespace: booksapp
        spec:
          targetRef:
            group: policy.linkerd.io
            kind: HTTPRoute
            name: authors-modify-route
          requiredAuthenticationRefs:
            - name: webapp-books
              kind: MeshTLSAuthentication
              group: policy.linkerd.io
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata:
          name: webapp-books
          namespace: booksapp
        spec:
          identities:
            - "webapp.booksapp.serviceaccount.identity.linkerd.cluster.local"
            - "books.booksapp.serviceaccount.identity.linkerd.cluster.local"
        """.replace("policy.linkerd.io/v1beta1\n        kind: HTTPRoute", "policy.linkerd.io/v1beta3\n        kind: HTTPRoute"));
    await().atMost(PATIENCE).until(() -> call("webapp", "DELETE", "/authors/12.json") == 200);
    assertThat(call("books", "PUT", "/authors/12.json")).isEqualTo(200);
    assertThat(call("books", "POST", "/authors.json")).isEqualTo(200);
    assertThat(call("webapp", "GET", "/authors.json")).as("reads still take the read route").isEqualTo(200);
    assertThat(call("traffic", "GET", "/authors.json")).as("traffic has no authorization at all").isEqualTo(403);
    assertThat(call("traffic", "PATCH", "/anything")).as("\"/\" catches every other request, for writers only").isEqualTo(403);
    assertThat(probe()).startsWith("HTTP/1.1 200");

    String scrape = mesh.serverMetrics().scrape();
    assertThat(scrape).containsPattern("inbound_http_authz_allow_total\\{authz_group=\"policy.linkerd.io\",authz_kind=\"authorizationpolicy\","
        + "authz_name=\"allow-books-to-authors\",client_id=\"" + ProxyPair.CLIENT_ID.replace("client.shop", "books.booksapp")
        + "\",route_group=\"policy.linkerd.io\",route_kind=\"HTTPRoute\",route_name=\"authors-get-route\",srv_group=\"policy.linkerd.io\","
        + "srv_kind=\"server\",srv_name=\"authors\"");
    assertThat(scrape).containsPattern("inbound_http_authz_deny_total\\{[^}]*route_name=\"authors-modify-route\",srv_group=\"policy.linkerd.io\"");
    assertThat(scrape).containsPattern("inbound_http_route_not_found_total\\{[^}]*srv_name=\"authors\"");
  }
}
