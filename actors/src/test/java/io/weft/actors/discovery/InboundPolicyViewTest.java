package io.weft.actors.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.typesafe.config.ConfigFactory;
import io.linkerd.proxy.inbound.Authz;
import io.linkerd.proxy.inbound.HttpRoute;
import io.linkerd.proxy.inbound.Server;
import io.weft.k8s.decode.ManifestDecoder;
import io.weft.actors.state.InboundPolicyInputs;
import io.weft.k8s.model.AuthorizationPolicyResource;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.MeshTlsAuthenticationResource;
import io.weft.k8s.model.NetworkAuthenticationResource;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.RateLimitPolicyResource;
import io.weft.k8s.model.ResourceMeta;
import io.weft.k8s.model.RouteResource;
import io.weft.k8s.model.ServerAuthorizationResource;
import io.weft.k8s.model.ServerResource;
import io.weft.protocol.net.Cidr;
import io.weft.protocol.policy.DefaultPolicy;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** A pod port's inbound policy from the book's emojivoto lockdown (seed 001, chapter 8). */
class InboundPolicyViewTest {
  private final InboundPolicyView view = new InboundPolicyView(DiscoverySettings.from(ConfigFactory.load()),
      new InboundPolicyView.Settings(DefaultPolicy.ALL_UNAUTHENTICATED, List.of(Cidr.parse("10.0.0.0/8")), Duration.ofSeconds(10),
          List.of(Cidr.parse("0.0.0.0/0"), Cidr.parse("::/0"))));

  private static final PodResource WEB = new PodResource(new ResourceMeta("emojivoto", "web-1", "", "1",
      Map.of("app", "web-svc"), Map.of()), "10.1.1.1", "n", "web", "Running", true, false,
      List.of(new PodResource.ContainerPort("http", 8080, "TCP")), null, List.of(new PodResource.HttpProbe(8080, "/ping")));

  private static KubeResource decode(String yaml) throws Exception {
    JsonNode json = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    return ManifestDecoder.decode(ManifestDecoder.kindOf(json).orElseThrow(), json);
  }

  private static final String SERVER = """
      apiVersion: policy.linkerd.io/v1beta3
      kind: Server
      metadata: {name: web-http, namespace: emojivoto}
      spec: {podSelector: {matchLabels: {app: web-svc}}, port: http, proxyProtocol: HTTP/1}
      """;

  private Server policy(Map<String, String> namespaceAnnotations, List<KubeResource> resources, int port) {
    return view.forPort(new InboundPolicyInputs(WEB, namespaceAnnotations,
        resources.stream().filter(ServerResource.class::isInstance).map(ServerResource.class::cast).toList(),
        resources.stream().filter(AuthorizationPolicyResource.class::isInstance).map(AuthorizationPolicyResource.class::cast).toList(),
        resources.stream().filter(MeshTlsAuthenticationResource.class::isInstance).map(MeshTlsAuthenticationResource.class::cast).toList(),
        resources.stream().filter(NetworkAuthenticationResource.class::isInstance).map(NetworkAuthenticationResource.class::cast).toList(),
        resources.stream().filter(ServerAuthorizationResource.class::isInstance).map(ServerAuthorizationResource.class::cast).toList(),
        resources.stream().filter(RouteResource.class::isInstance).map(RouteResource.class::cast).toList(),
        resources.stream().filter(RateLimitPolicyResource.class::isInstance).map(RateLimitPolicyResource.class::cast).toList()),
        port);
  }

  @Test
  void withoutAServerTheDefaultPolicyOfThePodNamespaceOrInstallApplies() {
    Server installs = policy(Map.of(), List.of(), 8080);
    assertThat(installs.getLabelsMap()).containsEntry("kind", "default").containsEntry("name", "all-unauthenticated");
    assertThat(installs.getAuthorizations(0).getAuthentication().hasUnauthenticated()).isTrue();
    assertThat(installs.getProtocol().hasDetect()).isTrue();

    Server denied = policy(Map.of("config.linkerd.io/default-inbound-policy", "deny"), List.of(), 8080);
    assertThat(denied.getLabelsMap()).containsEntry("name", "deny");
    assertThat(denied.getAuthorizationsList()).isEmpty();

    Server cluster = policy(Map.of("config.linkerd.io/default-inbound-policy", "cluster-authenticated"), List.of(), 8080);
    Authz authz = cluster.getAuthorizations(0);
    assertThat(authz.getNetworks(0).getNet().getPrefixLen()).isEqualTo(8);
    assertThat(authz.getAuthentication().getMeshTLS().getIdentities().getSuffixesCount()).as("any identity").isEqualTo(1);

    Server garbled = policy(Map.of("config.linkerd.io/default-inbound-policy", "allow-everyone"), List.of(), 8080);
    assertThat(garbled.getAuthorizationsList()).as("an unreadable default admits nobody").isEmpty();
    assertThat(policy(Map.of(), List.of(), 3306).getProtocol().hasOpaque()).as("a default opaque port").isTrue();
  }

  @Test
  void aServerWithNoAuthorizationDeniesEveryone() throws Exception {
    Server server = policy(Map.of(), List.of(decode(SERVER)), 8080);
    assertThat(server.getLabelsMap()).containsEntry("kind", "server").containsEntry("name", "web-http");
    assertThat(server.getAuthorizationsList()).isEmpty();
    assertThat(server.getProtocol().getHttp1().getRoutes(0).getAuthorizationsList()).isEmpty();
    assertThat(policy(Map.of(), List.of(decode(SERVER)), 9090).getLabelsMap()).as("another port").containsEntry("kind", "default");
  }

  @Test
  void authorizationPoliciesAdmitTheirAuthenticatedClients() throws Exception {
    KubeResource allowVote = decode("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: allow-vote-bot, namespace: emojivoto}
        spec:
          targetRef: {group: policy.linkerd.io, kind: Server, name: web-http}
          requiredAuthenticationRefs:
          - {kind: ServiceAccount, name: default}
        """);
    KubeResource namespaceWide = decode("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: emojivoto-mesh, namespace: emojivoto}
        spec:
          targetRef: {kind: Namespace, name: emojivoto}
          requiredAuthenticationRefs:
          - {group: policy.linkerd.io, kind: MeshTLSAuthentication, name: emojivoto-accounts}
          - {group: policy.linkerd.io, kind: NetworkAuthentication, name: pods}
        """);
    KubeResource accounts = decode("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata: {name: emojivoto-accounts, namespace: emojivoto}
        spec: {identities: ["*.emojivoto.serviceaccount.identity.linkerd.cluster.local"]}
        """);
    KubeResource pods = decode("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: NetworkAuthentication
        metadata: {name: pods, namespace: emojivoto}
        spec: {networks: [{cidr: 10.0.0.0/8, except: [10.9.0.0/16]}]}
        """);
    Server server = policy(Map.of(), List.of(decode(SERVER), allowVote, namespaceWide, accounts, pods), 8080);
    assertThat(server.getAuthorizationsList()).extracting(a -> a.getMetadata().getResource().getName())
        .containsExactly("allow-vote-bot", "emojivoto-mesh");
    Authz byAccount = server.getAuthorizations(0);
    assertThat(byAccount.getAuthentication().getMeshTLS().getIdentities().getIdentities(0).getName())
        .isEqualTo("default.emojivoto.serviceaccount.identity.linkerd.cluster.local");
    assertThat(byAccount.getNetworks(0).getNet().getPrefixLen()).as("any network").isZero();
    Authz byNamespace = server.getAuthorizations(1);
    assertThat(byNamespace.getAuthentication().getMeshTLS().getIdentities().getSuffixes(0).getPartsList())
        .containsExactly("emojivoto", "serviceaccount", "identity", "linkerd", "cluster", "local");
    assertThat(byNamespace.getNetworks(0).getExcept(0).getPrefixLen()).isEqualTo(16);
    assertThat(server.getProtocol().getHttp1().getRoutes(0).getAuthorizationsList())
        .as("the default route has none of its own: the proxy adds the Server's to every route").isEmpty();

    // A policy whose authentication does not exist admits nobody (it is left out, never widened).
    Server missing = policy(Map.of(), List.of(decode(SERVER), namespaceWide, pods), 8080);
    assertThat(missing.getAuthorizationsList()).isEmpty();
  }

  @Test
  void serverAuthorizationsStillAdmitTheirClients() throws Exception {
    KubeResource byName = decode("""
        apiVersion: policy.linkerd.io/v1beta1
        kind: ServerAuthorization
        metadata: {name: web-probes, namespace: emojivoto}
        spec:
          server: {name: web-http}
          client:
            networks: [{cidr: 10.0.0.0/8}]
            unauthenticated: true
        """);
    KubeResource bySelector = decode("""
        apiVersion: policy.linkerd.io/v1beta1
        kind: ServerAuthorization
        metadata: {name: emojivoto-mesh, namespace: emojivoto}
        spec:
          server: {selector: {matchLabels: {tier: front}}}
          client:
            meshTLS: {serviceAccounts: [{name: vote-bot}]}
        """);
    KubeResource labelledServer = decode(SERVER.replace("metadata: {name: web-http, namespace: emojivoto}",
        "metadata: {name: web-http, namespace: emojivoto, labels: {tier: front}}"));
    Server server = policy(Map.of(), List.of(labelledServer, byName, bySelector), 8080);
    assertThat(server.getAuthorizationsList()).extracting(a -> a.getLabelsMap().get("name")).containsExactly("web-probes", "emojivoto-mesh");
    assertThat(server.getAuthorizations(0).getAuthentication().hasUnauthenticated()).isTrue();
    assertThat(server.getAuthorizations(0).getNetworks(0).getNet().getPrefixLen()).isEqualTo(8);
    assertThat(server.getAuthorizations(1).getAuthentication().getMeshTLS().getIdentities().getIdentities(0).getName())
        .isEqualTo("vote-bot.emojivoto.serviceaccount.identity.linkerd.cluster.local");
    assertThat(policy(Map.of(), List.of(decode(SERVER), bySelector), 8080).getAuthorizationsList())
        .as("a selector the Server's labels do not match").isEmpty();
  }

  @Test
  void probePathsAreAdmittedUnauthenticatedWhileNoRouteOfTheUsersReplacesTheDefaults() throws Exception {
    Server denied = policy(Map.of("config.linkerd.io/default-inbound-policy", "deny"), List.of(), 8080);
    List<HttpRoute> routes = denied.getProtocol().getDetect().getHttpRoutesList();
    assertThat(routes).extracting(r -> r.getMetadata().getDefault()).containsExactly("default", "probe");
    HttpRoute probe = routes.get(1);
    assertThat(probe.getRules(0).getMatches(0).getPath().getExact()).isEqualTo("/ping");
    assertThat(probe.getRules(0).getMatches(0).getMethod().getRegistered()).isEqualTo(io.linkerd.proxy.http_types.HttpMethod.Registered.GET);
    assertThat(probe.getAuthorizations(0).getAuthentication().hasUnauthenticated()).isTrue();
    assertThat(probe.getAuthorizations(0).getNetworksList()).extracting(n -> n.getNet().getPrefixLen()).containsExactly(0, 0);
    assertThat(policy(Map.of(), List.of(), 9090).getProtocol().getDetect().getHttpRoutesList())
        .as("a port nothing probes").extracting(r -> r.getMetadata().getDefault()).containsExactly("default");
    assertThat(policy(Map.of(), List.of(decode(SERVER)), 8080).getProtocol().getHttp1().getRoutesList())
        .as("a Server without routes keeps them").extracting(r -> r.getMetadata().getDefault()).containsExactly("default", "probe");
  }

  /** The book's booksapp authors Server and its read-only route (seed 001, chapter 9). */
  private static final String AUTHORS_ROUTE = """
      apiVersion: policy.linkerd.io/v1beta3
      kind: HTTPRoute
      metadata: {name: authors-get-route, namespace: emojivoto}
      spec:
        parentRefs: [{name: web-http, kind: Server, group: policy.linkerd.io}]
        rules:
        - matches:
          - path: {value: /authors.json}
            method: GET
          - path: {value: /authors/, type: PathPrefix}
            method: GET
      """;

  @Test
  void routesWhoseParentIsTheServerReplaceTheDefaultsAndCarryThePoliciesThatTargetThem() throws Exception {
    KubeResource allowBooks = decode("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: allow-books-to-authors, namespace: emojivoto}
        spec:
          targetRef: {group: policy.linkerd.io, kind: HTTPRoute, name: authors-get-route}
          requiredAuthenticationRefs: [{name: books, kind: MeshTLSAuthentication, group: policy.linkerd.io}]
        """);
    KubeResource books = decode("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata: {name: books, namespace: emojivoto}
        spec: {identities: ["books.booksapp.serviceaccount.identity.linkerd.cluster.local"]}
        """);
    KubeResource gatewayNamesake = decode(AUTHORS_ROUTE.replace("policy.linkerd.io/v1beta3", "gateway.networking.k8s.io/v1beta1")
        .replace("name: authors-get-route", "name: other-route"));
    Server server = policy(Map.of(), List.of(decode(SERVER), decode(AUTHORS_ROUTE), allowBooks, books, gatewayNamesake), 8080);
    assertThat(server.getAuthorizationsList()).as("the policy targets a route, not the Server").isEmpty();
    List<HttpRoute> routes = server.getProtocol().getHttp1().getRoutesList();
    assertThat(routes).extracting(r -> r.getMetadata().getResource().getName()).containsExactly("authors-get-route", "other-route");
    HttpRoute authors = routes.get(0);
    assertThat(authors.getMetadata().getResource().getKind()).isEqualTo("HTTPRoute");
    assertThat(authors.getRules(0).getMatchesList()).extracting(m -> m.getPath().getExact() + m.getPath().getPrefix())
        .containsExactly("/authors.json", "/authors/");
    assertThat(authors.getAuthorizationsList()).extracting(a -> a.getMetadata().getResource().getName()).containsExactly("allow-books-to-authors");
    assertThat(authors.getAuthorizations(0).getAuthentication().getMeshTLS().getIdentities().getIdentities(0).getName())
        .isEqualTo("books.booksapp.serviceaccount.identity.linkerd.cluster.local");
    assertThat(routes.get(1).getAuthorizationsList()).as("a policy names its route's group too").isEmpty();
  }

  @Test
  void aRateLimitPolicyRidesOnItsServersProtocol() throws Exception {
    KubeResource limit = decode("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: HTTPLocalRateLimitPolicy
        metadata: {name: web-rl, namespace: emojivoto}
        spec:
          targetRef: {group: policy.linkerd.io, kind: Server, name: web-http}
          total: {requestsPerSecond: 100}
          identity: {requestsPerSecond: 20}
          overrides:
          - requestsPerSecond: 25
            clientRefs: [{kind: ServiceAccount, name: vote-bot}]
        """);
    io.linkerd.proxy.inbound.HttpLocalRateLimit served = policy(Map.of(), List.of(decode(SERVER), limit), 8080)
        .getProtocol().getHttp1().getLocalRateLimit();
    assertThat(served.getMetadata().getResource().getName()).isEqualTo("web-rl");
    assertThat(served.getTotal().getRequestsPerSecond()).isEqualTo(100);
    assertThat(served.getIdentity().getRequestsPerSecond()).isEqualTo(20);
    assertThat(served.getOverrides(0).getLimit().getRequestsPerSecond()).isEqualTo(25);
    assertThat(served.getOverrides(0).getClients().getIdentities(0).getName())
        .isEqualTo("vote-bot.emojivoto.serviceaccount.identity.linkerd.cluster.local");
    assertThat(policy(Map.of(), List.of(decode(SERVER)), 8080).getProtocol().getHttp1().hasLocalRateLimit()).isFalse();
  }

  @Test
  void aServerSelectsPodsByExpressionsToo() throws Exception {
    // The book's "Advanced Techniques": one Server for several workloads.
    KubeResource several = decode("""
        apiVersion: policy.linkerd.io/v1beta1
        kind: Server
        metadata: {name: authors-and-books, namespace: emojivoto}
        spec:
          podSelector:
            matchExpressions:
            - key: app
              operator: In
              values: [web-svc, emoji-svc]
          port: http
          proxyProtocol: HTTP/1
        """);
    assertThat(policy(Map.of(), List.of(several), 8080).getLabelsMap()).containsEntry("name", "authors-and-books");
    KubeResource others = decode("""
        apiVersion: policy.linkerd.io/v1beta1
        kind: Server
        metadata: {name: not-web, namespace: emojivoto}
        spec:
          podSelector:
            matchExpressions: [{key: app, operator: NotIn, values: [web-svc]}]
          port: http
        """);
    assertThat(policy(Map.of(), List.of(others), 8080).getLabelsMap()).containsEntry("kind", "default");
  }
}
