package io.weft.actors.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.typesafe.config.ConfigFactory;
import io.linkerd.proxy.inbound.Authz;
import io.linkerd.proxy.inbound.Server;
import io.weft.k8s.decode.ManifestDecoder;
import io.weft.actors.state.InboundPolicyInputs;
import io.weft.k8s.model.AuthorizationPolicyResource;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.MeshTlsAuthenticationResource;
import io.weft.k8s.model.NetworkAuthenticationResource;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.ResourceMeta;
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
      new InboundPolicyView.Settings(DefaultPolicy.ALL_UNAUTHENTICATED, List.of(Cidr.parse("10.0.0.0/8")), Duration.ofSeconds(10)));

  private static final PodResource WEB = new PodResource(new ResourceMeta("emojivoto", "web-1", "", "1",
      Map.of("app", "web-svc"), Map.of()), "10.1.1.1", "n", "web", "Running", true, false,
      List.of(new PodResource.ContainerPort("http", 8080, "TCP")), null);

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
        resources.stream().filter(ServerAuthorizationResource.class::isInstance).map(ServerAuthorizationResource.class::cast).toList()),
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
    assertThat(server.getProtocol().getHttp1().getRoutes(0).getAuthorizationsCount()).as("the default route admits the same").isEqualTo(2);

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
}
