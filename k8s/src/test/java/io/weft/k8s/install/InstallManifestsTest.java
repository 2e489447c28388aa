package io.weft.k8s.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceBuilder;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.utils.Serialization;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** `weft install --crds`: Linkerd's groups, kinds and versions, typed without loss, structural, accepted by the API. */
@EnableKubernetesMockClient(crud = true)
class InstallManifestsTest {
  static KubernetesClient client;

  @Test
  void theCrdsAreLinkerdsAndParseIntoKubernetesTypesWithNothingLeftOver() {
    List<ObjectNode> crds = InstallManifests.crdObjects();
    assertThat(crds).extracting(c -> c.path("metadata").path("name").asText()).containsExactly(
        "servers.policy.linkerd.io", "serverauthorizations.policy.linkerd.io", "authorizationpolicies.policy.linkerd.io",
        "meshtlsauthentications.policy.linkerd.io", "networkauthentications.policy.linkerd.io", "serviceprofiles.linkerd.io",
        "httproutes.policy.linkerd.io", "externalworkloads.workload.linkerd.io", "httplocalratelimitpolicies.policy.linkerd.io",
        "egressnetworks.policy.linkerd.io", "links.multicluster.linkerd.io");
    for (ObjectNode crd : crds) {
      CustomResourceDefinition typed = Serialization.unmarshal(crd.toString(), CustomResourceDefinition.class);
      // Typed and back again: a field Kubernetes' types do not know would be lost or moved.
      JsonNode again = Serialization.jsonMapper().valueToTree(typed);
      // (numbers compare by value: the types hold Long where YAML gave an int)
      assertThat(again.equals((a, b) -> a.isNumber() && b.isNumber() ? Double.compare(a.doubleValue(), b.doubleValue())
          : a.equals(b) ? 0 : 1, crd)).as(crd.path("metadata").path("name").asText() + ": " + again).isTrue();
      for (JsonNode version : crd.path("spec").path("versions")) {
        List<String> problems = new ArrayList<>();
        structural(version.path("schema").path("openAPIV3Schema"), "openAPIV3Schema", problems);
        assertThat(problems).as(crd.path("metadata").path("name").asText() + " " + version.path("name").asText()).isEmpty();
      }
    }
    assertThat(crds.get(0).path("spec").path("versions")).extracting(v -> v.path("name").asText() + "/" + v.path("storage").asBoolean())
        .containsExactly("v1beta3/true", "v1beta2/false", "v1beta1/false");
  }

  @Test
  void theApiAcceptsTheCrdsAndALinkerdServerManifest() {
    for (ObjectNode crd : InstallManifests.crdObjects()) {
      client.apiextensions().v1().customResourceDefinitions()
          .resource(Serialization.unmarshal(crd.toString(), CustomResourceDefinition.class)).create();
    }
    assertThat(client.apiextensions().v1().customResourceDefinitions().list().getItems()).hasSize(11);
    // A Server as Linkerd's docs write it, in the older version users' manifests still use.
    var servers = new io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext.Builder().withGroup("policy.linkerd.io")
        .withVersion("v1beta1").withKind("Server").withPlural("servers").withNamespaced(true).build();
    client.genericKubernetesResources(servers).inNamespace("emojivoto")
        .resource(new GenericKubernetesResourceBuilder().withApiVersion("policy.linkerd.io/v1beta1").withKind("Server")
            .withNewMetadata().withName("web-http").withNamespace("emojivoto").endMetadata()
            .withAdditionalProperties(Map.of("spec", Map.of("podSelector", Map.of("matchLabels", Map.of("app", "web-svc")),
                "port", "http", "proxyProtocol", "HTTP/1"))).build()).create();
    assertThat(client.genericKubernetesResources(servers).inNamespace("emojivoto")
        .withName("web-http").get()).isNotNull();
    assertThat(InstallManifests.crds()).startsWith("---\n").contains("kind: CustomResourceDefinition");
  }

  private static final InstallManifests.Values VALUES = new InstallManifests.Values("linkerd", "1.2.3",
      "ghcr.io/weft-mesh/controller", "cluster.local", false, "ANCHORS PEM", "ISSUER PEM", "KEY PEM",
      new InstallManifests.WebhookTls("CA PEM", "CERT PEM", "WEBHOOK KEY PEM"));

  @Test
  void theControlPlaneManifestsAreKubernetesTypesWithNothingLeftOverAndTheApiAcceptsThem() {
    List<ObjectNode> objects = InstallManifests.controlPlaneObjects(VALUES);
    assertThat(objects).extracting(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText()).contains(
        "Namespace/linkerd", "ServiceAccount/linkerd-destination", "ClusterRole/linkerd-linkerd-destination",
        "Role/linkerd-destination", "Service/linkerd-dst", "Service/linkerd-identity-headless", "StatefulSet/linkerd-control-plane",
        "Secret/linkerd-identity-issuer", "ConfigMap/linkerd-identity-trust-roots", "Service/linkerd-proxy-injector",
        "Secret/linkerd-proxy-injector-k8s-tls", "MutatingWebhookConfiguration/linkerd-proxy-injector-webhook-config");
    for (ObjectNode object : objects) {
      io.fabric8.kubernetes.api.model.HasMetadata typed = Serialization.unmarshal(object.toString());
      JsonNode again = Serialization.jsonMapper().valueToTree(typed);
      assertThat(again.equals((a, b) -> a.isNumber() && b.isNumber() ? Double.compare(a.doubleValue(), b.doubleValue())
          : a.equals(b) ? 0 : 1, object)).as(object.path("kind").asText() + ": " + again).isTrue();
      client.resource(typed).create();
    }
    var webhook = client.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withName("linkerd-proxy-injector-webhook-config").get().getWebhooks().get(0);
    assertThat(webhook.getClientConfig().getCaBundle()).isEqualTo(java.util.Base64.getEncoder().encodeToString("CA PEM".getBytes()));
    assertThat(webhook.getClientConfig().getService().getName()).isEqualTo("linkerd-proxy-injector");
    assertThat(webhook.getFailurePolicy()).isEqualTo("Ignore");
    assertThat(webhook.getRules().get(0).getResources()).containsExactly("pods");
    var statefulSet = client.apps().statefulSets().inNamespace("linkerd").withName("linkerd-control-plane").get();
    assertThat(statefulSet.getSpec().getReplicas()).isEqualTo(1);
    assertThat(statefulSet.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("ghcr.io/weft-mesh/controller:1.2.3");
    assertThat(client.secrets().inNamespace("linkerd").withName("linkerd-identity-issuer").get().getData())
        .containsEntry("crt.pem", java.util.Base64.getEncoder().encodeToString("ISSUER PEM".getBytes()));
    // Least privilege: cluster-wide it only reads, and creates TokenReviews; secrets only by name in its namespace.
    var clusterRole = client.rbac().clusterRoles().withName("linkerd-linkerd-destination").get();
    assertThat(clusterRole.getRules()).allSatisfy(rule -> assertThat(rule.getVerbs()).isSubsetOf("get", "list", "watch", "create"));
    assertThat(clusterRole.getRules()).filteredOn(rule -> rule.getVerbs().contains("create"))
        .allSatisfy(rule -> assertThat(rule.getResources()).containsExactly("tokenreviews"));
    assertThat(clusterRole.getRules()).allSatisfy(rule -> assertThat(rule.getResources()).doesNotContain("secrets"));

    List<ObjectNode> ha = InstallManifests.controlPlaneObjects(new InstallManifests.Values("linkerd", "1.2.3",
        "ghcr.io/weft-mesh/controller", "cluster.local", true, "A", "I", "K", new InstallManifests.WebhookTls("C", "W", "K")));
    assertThat(ha).extracting(o -> o.path("kind").asText()).contains("PodDisruptionBudget");
    JsonNode haSet = ha.stream().filter(o -> o.path("kind").asText().equals("StatefulSet")).findFirst().orElseThrow();
    assertThat(haSet.path("spec").path("replicas").asInt()).isEqualTo(3);
    assertThat(haSet.path("spec").path("template").path("spec").path("affinity").path("podAntiAffinity").isObject()).isTrue();
    JsonNode haWebhook = ha.stream().filter(o -> o.path("kind").asText().equals("MutatingWebhookConfiguration")).findFirst()
        .orElseThrow();
    assertThat(haWebhook.path("webhooks").get(0).path("failurePolicy").asText()).isEqualTo("Fail");
  }

  /**
   * Kubernetes' structural-schema rule, as far as these schemas use it: every node says its type,
   * except int-or-string (whose anyOf is exactly integer|string) and preserve-unknown-fields nodes;
   * no type inside anyOf/oneOf otherwise.
   */
  private static void structural(JsonNode node, String path, List<String> problems) {
    boolean intOrString = node.path("x-kubernetes-int-or-string").asBoolean(false);
    if (!node.has("type") && !intOrString && !node.path("x-kubernetes-preserve-unknown-fields").asBoolean(false)) {
      problems.add(path + " has no type");
    }
    node.path("properties").fields().forEachRemaining(f -> structural(f.getValue(), path + "." + f.getKey(), problems));
    if (node.has("items")) {
      structural(node.get("items"), path + "[]", problems);
    }
    if (node.path("additionalProperties").isObject()) {
      structural(node.get("additionalProperties"), path + "{}", problems);
    }
    for (String junction : List.of("anyOf", "oneOf", "allOf")) {
      for (JsonNode branch : node.path(junction)) {
        if (branch.has("type") && !(intOrString && junction.equals("anyOf"))) {
          problems.add(path + " sets a type inside " + junction);
        }
        if (branch.has("description") || branch.has("default")) {
          problems.add(path + " sets a description or default inside " + junction);
        }
      }
    }
  }
}
