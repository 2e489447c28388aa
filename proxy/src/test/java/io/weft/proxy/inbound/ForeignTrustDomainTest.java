package io.weft.proxy.inbound;

import com.sun.net.httpserver.HttpServer;
import io.weft.actors.ControlPlane;
import io.weft.protocol.identity.IssuerFiles;
import io.weft.protocol.identity.MeshIdentity;
import io.weft.protocol.identity.MeshPki;
import io.weft.protocol.identity.TrustBundle;
import io.weft.proxy.GrpcInterop;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.PolicyMesh;
import io.weft.proxy.TestIdentities;
import io.weft.proxy.identity.ProxyIdentity;
import io.weft.proxy.tcp.EchoServer;
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
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The default-policy table's third column: a meshed client from another trust domain. One whose
 * identity (`…identity.linkerd.other.local`) is issued under the same trust anchor — a peer
 * cluster's — is an authenticated client like any other: every default policy treats it as it
 * treats the cluster's own meshed clients, and only a policy naming identities tells them apart.
 * One whose certificate chains to an anchor this mesh does not trust never gets past mesh TLS,
 * whatever the policy.
 */
class ForeignTrustDomainTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String OTHER_DOMAIN = "other.local";

  @TempDir Path manifests;
  @TempDir Path elsewhere;
  private HttpServer api;
  private PolicyMesh mesh;
  private final List<ControlPlane> issuers = new ArrayList<>();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final RedirectRules rules = new RedirectRules();
  private Process grpc;
  private EchoServer echo;
  private static final List<String> INSTALL = List.of("weft.proxy-injector.cluster-networks = \"127.0.0.0/8\"");
  private static final List<String> DEFAULTS = List.of("all-authenticated", "cluster-authenticated", "cluster-unauthenticated",
      "all-unauthenticated", "audit", "deny");

  @BeforeEach
  void start() throws IOException {
    api = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    api.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    api.createContext("/", exchange -> {
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    api.start();
  }

  @AfterEach
  void stop() throws Exception {
    rules.close();
    if (grpc != null) {
      grpc.destroyForcibly();
    }
    if (echo != null) {
      echo.close();
    }
    api.stop(0);
    issuers.forEach(ControlPlane::close);
    if (mesh != null) {
      mesh.close();
    }
  }

  /**
   * A client certified by another identity service: its issuer {@code pki}, its trust domain
   * {@code domain}, trusting {@code trust}.
   */
  private PolicyMesh.Client foreignClient(String name, MeshPki pki, String domain, TrustBundle trust) throws IOException {
    Path directory = Files.createDirectories(elsewhere.resolve(name));
    IssuerFiles files = pki.write(directory.resolve("pki"), trust.anchors());
    List<String> settings = new ArrayList<>(files.settings());
    for (String setting : mesh.identities().controlPlaneSettings()) {
      if (setting.startsWith("weft.local-cluster.token-key-file")) {
        settings.add(setting); // the same cluster's tokens
      }
    }
    settings.add("weft.discovery.trust-domain = \"" + domain + "\"");
    int port = LocalMesh.freePort();
    issuers.add(LocalMesh.controlPlane(Files.createDirectories(directory.resolve("cluster")), port, settings.toArray(String[]::new)));
    ProxyIdentity.Config identity = new ProxyIdentity.Config(new MeshIdentity("client", "shop", TestIdentities.CONTROL_PLANE_NS, domain).name(),
        trust, mesh.identities().tokenFile("client", "shop"), Optional.empty(), Duration.ofMillis(200), Duration.ofHours(24),
        new InetSocketAddress("127.0.0.1", port), Optional.empty());
    return mesh.addClient(name, identity);
  }

  private int call(PolicyMesh.Client client) {
    try {
      return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + client.outboundPort() + "/"))
          .header("l5d-dst-override", "api.shop.svc.cluster.local:80").timeout(PATIENCE).build(), HttpResponse.BodyHandlers.discarding())
          .statusCode();
    } catch (IOException e) {
      return -1;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return -1;
    }
  }

  private void defaultPolicy(String policy) throws IOException {
    Path app = manifests.resolve("api.yaml");
    Files.writeString(app, Files.readString(app).replaceFirst("metadata: \\{name: shop, annotations: \\{[^}]*}}",
        "metadata: {name: shop, annotations: {linkerd.io/inject: enabled, config.linkerd.io/default-inbound-policy: " + policy + "}}"));
  }

  @Test
  void aPeerClustersClientIsAuthenticatedLikeOursAndAnUntrustedOneNeverGetsIn() throws Exception {
    mesh = PolicyMesh.start(manifests, "shop", "api", "http", 80, api.getAddress().getPort(), "/healthz", INSTALL, "client");
    MeshPki ours = mesh.identities().pki();
    PolicyMesh.Client peer = foreignClient("peer", ours.withNewIssuer(MeshPki.issuerName(TestIdentities.CONTROL_PLANE_NS, OTHER_DOMAIN),
        Instant.now(), Duration.ofDays(30)), OTHER_DOMAIN, mesh.identities().anchors());
    PolicyMesh.Client local = mesh.client("client");
    String peerId = new MeshIdentity("client", "shop", TestIdentities.CONTROL_PLANE_NS, OTHER_DOMAIN).name();

    // Every default policy, with the cluster's networks holding 127.0.0.0/8: the peer's client fares as ours does.
    for (String policy : DEFAULTS) {
      defaultPolicy(policy);
      int expected = policy.equals("deny") ? 403 : 200;
      await().atMost(PATIENCE).until(() -> call(local) == expected
          && mesh.serverMetrics().scrape().contains("srv_name=\"" + policy + "\""));
      assertThat(call(peer)).as("the peer cluster's client under %s", policy).isEqualTo(expected);
    }
    assertThat(mesh.serverMetrics().scrape()).contains("client_id=\"" + peerId + "\"");

    // A policy naming identities tells them apart: only this cluster's trust domain.
    Files.writeString(manifests.resolve("ours-only.yaml"), """
        apiVersion: policy.linkerd.io/v1beta3
        kind: Server
        metadata: {name: api-http, namespace: shop}
        spec: {podSelector: {matchLabels: {app: api}}, port: http, proxyProtocol: HTTP/1}
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata: {name: this-cluster, namespace: shop}
        spec: {identities: ["*.identity.linkerd.cluster.local"]}
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: api-from-this-cluster, namespace: shop}
        spec:
          targetRef: {group: policy.linkerd.io, kind: Server, name: api-http}
          requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: this-cluster}]
        """);
    await().atMost(PATIENCE).until(() -> call(local) == 200);
    assertThat(call(peer)).isEqualTo(403);

    // A client whose anchor this mesh does not trust: refused at mesh TLS even where everyone is allowed.
    Files.delete(manifests.resolve("ours-only.yaml"));
    defaultPolicy("all-unauthenticated");
    await().atMost(PATIENCE).until(() -> call(local) == 200 && mesh.serverMetrics().scrape().contains("srv_name=\"all-unauthenticated\""));
    MeshPki stranger = MeshPki.create(TestIdentities.CONTROL_PLANE_NS, OTHER_DOMAIN, Instant.now(), Duration.ofDays(365), Duration.ofDays(30));
    PolicyMesh.Client untrusted = foreignClient("untrusted", stranger, OTHER_DOMAIN,
        new TrustBundle(List.of(stranger.anchor().certificate(), ours.anchor().certificate())));
    double allowedBefore = allowed();
    int status = call(untrusted);
    assertThat(status).as("no answer from the application").isNotEqualTo(200);
    assertThat(allowed()).as("nothing reached authorization").isEqualTo(allowedBefore);
  }

  /** How many requests the server's proxy has admitted. */
  private double allowed() {
    return mesh.serverMetrics().scrape().lines().filter(l -> l.startsWith("inbound_http_authz_allow_total{"))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  /** A peer cluster's client, certified under this mesh's anchor in the other trust domain. */
  private PolicyMesh.Client peer() throws IOException {
    return foreignClient("peer", mesh.identities().pki().withNewIssuer(MeshPki.issuerName(TestIdentities.CONTROL_PLANE_NS, OTHER_DOMAIN),
        Instant.now(), Duration.ofDays(30)), OTHER_DOMAIN, mesh.identities().anchors());
  }

  private static final String GRPC_AUTHORITY = "api.shop.svc.cluster.local:8080";

  /** A gRPC call (grpc-java's interop client) from {@code client}'s application: "ok", "PERMISSION_DENIED", or its output. */
  private static String grpcCall(PolicyMesh.Client client) throws Exception {
    Process call = GrpcInterop.client(client.outboundPort(), GRPC_AUTHORITY, "empty_unary").redirectErrorStream(true).start();
    String output = new String(call.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(call.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    if (call.exitValue() == 0 && output.contains("Test completed.")) {
      return "ok";
    }
    return output.contains("PERMISSION_DENIED") ? "PERMISSION_DENIED" : output;
  }

  /** An HTTP/2 request (curl, prior knowledge) from {@code client}'s application: the status line curl shows. */
  private static String http2(PolicyMesh.Client client) throws Exception {
    Process curl = new ProcessBuilder("curl", "-sv", "--http2-prior-knowledge", "--max-time", "20", "-H", "l5d-dst-override: " + GRPC_AUTHORITY,
        "http://127.0.0.1:" + client.outboundPort() + "/").redirectErrorStream(true).start();
    String output = new String(curl.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.ISO_8859_1);
    curl.waitFor();
    return output.lines().filter(l -> l.startsWith("< HTTP/2 ")).findFirst().orElse(output);
  }

  /** A TCP exchange from {@code client}'s application to the opaque echo Service. */
  private String tcp(PolicyMesh.Client client) throws Exception {
    return EchoServer.meshed(rules, client.outboundPort(), "\u0000\u0003 tcp");
  }

  @Test
  void overGrpcHttp2AndTcpThePeerClustersClientFaresAsOursUnderEveryDefault() throws Exception {
    org.junit.jupiter.api.Assumptions.assumeTrue(System.getenv("CI") != null || RedirectRules.usable(), "needs root and iptables");
    int grpcPort = RedirectRules.freePort();
    grpc = GrpcInterop.server(grpcPort, elsewhere.resolve("grpc.log"));
    echo = new EchoServer();
    mesh = PolicyMesh.start(manifests, "shop", "api", "grpc", 8080, grpcPort, "/healthz", INSTALL, List.of(echo.port()), "client");
    Files.writeString(manifests.resolve("echo.yaml"), echo.service("api"));
    PolicyMesh.Client local = mesh.client("client");
    PolicyMesh.Client peer = peer();

    for (String policy : DEFAULTS) {
      defaultPolicy(policy);
      boolean allowed = !policy.equals("deny");
      String expected = allowed ? "ok" : "PERMISSION_DENIED";
      await().atMost(PATIENCE).until(() -> grpcCall(local).equals(expected)
          && mesh.serverMetrics().scrape().contains("srv_name=\"" + policy + "\""));
      assertThat(grpcCall(peer)).as("gRPC from the peer cluster under %s", policy).isEqualTo(expected);
      for (PolicyMesh.Client client : List.of(local, peer)) {
        assertThat(http2(client)).as("HTTP/2 from %s under %s", client.serviceAccount(), policy)
            .startsWith(allowed ? "< HTTP/2 415" : "< HTTP/2 403");
        if (allowed) {
          await().atMost(PATIENCE).until(() -> tcp(client).equals("echo: \u0000\u0003 tcp"));
        } else {
          await().atMost(PATIENCE).until(() -> tcp(client).isEmpty());
        }
      }
    }
  }
}
