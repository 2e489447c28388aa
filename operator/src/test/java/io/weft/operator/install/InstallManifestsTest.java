package io.weft.operator.install;

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
import static org.assertj.core.api.Assertions.assertThatThrownBy;

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

  private static final InstallManifests.Credentials CREDENTIALS = new InstallManifests.Credentials("ANCHORS PEM", "ISSUER PEM",
      "KEY PEM", "CA PEM", "CERT PEM", "WEBHOOK KEY PEM");
  private static final InstallManifests.Install INSTALL = new InstallManifests.Install("linkerd", "1.2.3",
      InstallValues.defaults(), CREDENTIALS);

  @Test
  void theControlPlaneManifestsAreKubernetesTypesWithNothingLeftOverAndTheApiAcceptsThem() {
    List<ObjectNode> objects = InstallManifests.controlPlaneObjects(INSTALL);
    assertThat(objects).extracting(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText()).contains(
        "Namespace/linkerd", "ServiceAccount/linkerd-destination", "ClusterRole/linkerd-linkerd-destination",
        "Role/linkerd-destination", "Service/linkerd-dst", "Service/linkerd-identity-headless", "StatefulSet/linkerd-control-plane",
        "Secret/linkerd-identity-issuer", "ConfigMap/linkerd-identity-trust-roots", "Service/linkerd-proxy-injector",
        "Secret/linkerd-webhooks-k8s-tls", "MutatingWebhookConfiguration/linkerd-proxy-injector-webhook-config",
        "ValidatingWebhookConfiguration/linkerd-sp-validator-webhook-config",
        "ValidatingWebhookConfiguration/linkerd-policy-validator-webhook-config", "Service/linkerd-policy",
        "Service/linkerd-sp-validator", "Service/linkerd-policy-validator", "ConfigMap/linkerd-config",
        "ConfigMap/weft-control-plane-config");
    assertThat(objects).allSatisfy(o -> assertThat(o.path("metadata").path("labels").path("linkerd.io/control-plane-ns").asText())
        .isEqualTo("linkerd"));
    for (ObjectNode object : objects) {
      client.resource(typed(object)).create();
    }
    var webhook = client.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withName("linkerd-proxy-injector-webhook-config").get().getWebhooks().get(0);
    assertThat(webhook.getClientConfig().getCaBundle()).isEqualTo(java.util.Base64.getEncoder().encodeToString("CA PEM".getBytes()));
    assertThat(webhook.getClientConfig().getService().getName()).isEqualTo("linkerd-proxy-injector");
    assertThat(webhook.getFailurePolicy()).isEqualTo("Ignore");
    assertThat(webhook.getRules().get(0).getResources()).containsExactly("pods");
    var statefulSet = client.apps().statefulSets().inNamespace("linkerd").withName("linkerd-control-plane").get();
    assertThat(statefulSet.getSpec().getReplicas()).isEqualTo(1);
    assertThat(client.admissionRegistration().v1().validatingWebhookConfigurations().list().getItems())
        .extracting(w -> w.getWebhooks().get(0).getClientConfig().getService().getName())
        .containsExactlyInAnyOrder("linkerd-sp-validator", "linkerd-policy-validator");
    assertThat(statefulSet.getSpec().getTemplate().getSpec().getContainers().get(0).getImage())
        .isEqualTo("ghcr.io/weft-mesh/controller:1.2.3");
    assertThat(client.secrets().inNamespace("linkerd").withName("linkerd-identity-issuer").get().getData())
        .containsEntry("crt.pem", java.util.Base64.getEncoder().encodeToString("ISSUER PEM".getBytes()));
    // Least privilege: cluster-wide it only reads, and creates TokenReviews and Events; secrets only by name in its namespace.
    var clusterRole = client.rbac().clusterRoles().withName("linkerd-linkerd-destination").get();
    assertThat(clusterRole.getRules()).allSatisfy(rule -> assertThat(rule.getVerbs()).isSubsetOf("get", "list", "watch", "create"));
    assertThat(clusterRole.getRules()).filteredOn(rule -> rule.getVerbs().contains("create"))
        .allSatisfy(rule -> assertThat(rule.getResources()).containsAnyOf("tokenreviews", "events").hasSize(1));
    assertThat(clusterRole.getRules()).allSatisfy(rule -> assertThat(rule.getResources()).doesNotContain("secrets"));
    // ...and it may list and watch every kind the control plane watches.
    for (io.weft.k8s.model.ResourceKind kind : io.weft.k8s.model.ResourceKind.values()) {
      assertThat(clusterRole.getRules()).as(kind.apiVersion() + " " + kind.plural())
          .anySatisfy(rule -> {
            assertThat(rule.getApiGroups()).contains(kind.group());
            assertThat(rule.getResources()).contains(kind.plural());
            assertThat(rule.getVerbs()).contains("list", "watch");
          });
    }

    // What the values say reaches the nodes: their configuration file and the proxy injector's settings in it.
    String config = client.configMaps().inNamespace("linkerd").withName("weft-control-plane-config").get().getData()
        .get("control-plane.conf");
    // As the node reads it: its pod IP from the environment.
    var parsed = com.typesafe.config.ConfigFactory.parseString(config)
        .resolveWith(com.typesafe.config.ConfigFactory.parseMap(Map.of("POD_IP", "10.0.0.7")));
    assertThat(parsed.getString("weft.proxy-injector.proxy-version")).isEqualTo("1.2.3");
    assertThat(parsed.getBoolean("weft.control-plane.cluster-bootstrap.enabled")).isTrue();
    assertThat(parsed.getString("pekko.management.http.hostname")).isEqualTo("10.0.0.7");
    assertThat(parsed.getInt("pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr")).isEqualTo(1);
    assertThat(parsed.getDuration("weft.identity.issuance-lifetime")).isEqualTo(java.time.Duration.ofHours(24));
    assertThat(InstallValues.recorded(client.configMaps().inNamespace("linkerd").withName("linkerd-config").get().getData()
        .get("values"))).isEqualTo(InstallValues.defaults());
    assertThat(statefulSet.getSpec().getTemplate().getSpec().getNodeSelector()).containsEntry("kubernetes.io/os", "linux");
    assertThat(statefulSet.getSpec().getTemplate().getSpec().getContainers().get(0).getResources().getLimits())
        .containsOnlyKeys("memory");
  }

  @Test
  void haAndValuesChangeWhatIsRendered() {
    List<ObjectNode> ha = InstallManifests.controlPlaneObjects(new InstallManifests.Install("linkerd", "1.2.3",
        InstallValues.defaults().withHa(), CREDENTIALS));
    assertThat(ha).extracting(o -> o.path("kind").asText()).contains("PodDisruptionBudget");
    JsonNode haSet = only(ha, "StatefulSet");
    assertThat(haSet.path("spec").path("replicas").asInt()).isEqualTo(3);
    assertThat(haSet.path("spec").path("template").path("spec").path("affinity").path("podAntiAffinity").isObject()).isTrue();
    assertThat(ha).filteredOn(o -> o.path("kind").asText().endsWith("WebhookConfiguration")).hasSize(3)
        .allSatisfy(w -> assertThat(w.path("webhooks").get(0).path("failurePolicy").asText()).isEqualTo("Fail"));

    InstallValues values = InstallValues.defaults().withHa()
        .withValues("""
            controllerReplicas: 5
            podLabels: {team: mesh}
            proxy: {image: {name: registry.local/proxy}}
            tolerations: [{key: dedicated, operator: Equal, value: mesh, effect: NoSchedule}]
            """, "custom.yaml")
        .withSet("linkerdVersion=9.9.9").withSet("podAnnotations.example\\.com/owner=platform")
        .withSet("destinationResources.cpu.limit=2").withSet("identity.issuer.issuanceLifetime=48h");
    List<ObjectNode> custom = InstallManifests.controlPlaneObjects(new InstallManifests.Install("mesh", "1.2.3", values, CREDENTIALS));
    ha.forEach(InstallManifestsTest::typed);
    custom.forEach(InstallManifestsTest::typed);
    JsonNode set = only(custom, "StatefulSet");
    assertThat(set.path("metadata").path("namespace").asText()).isEqualTo("mesh");
    assertThat(set.path("spec").path("replicas").asInt()).isEqualTo(5);
    JsonNode template = set.path("spec").path("template");
    assertThat(template.path("metadata").path("labels").path("team").asText()).isEqualTo("mesh");
    assertThat(template.path("metadata").path("annotations").path("example.com/owner").asText()).isEqualTo("platform");
    assertThat(template.path("spec").path("tolerations").get(0).path("key").asText()).isEqualTo("dedicated");
    JsonNode container = template.path("spec").path("containers").get(0);
    assertThat(container.path("image").asText()).isEqualTo("ghcr.io/weft-mesh/controller:9.9.9");
    assertThat(container.path("resources").path("limits").path("cpu").asText()).isEqualTo("2");
    assertThat(container.path("resources").path("limits").path("memory").asText()).isEqualTo("1Gi");
    String config = only(custom, "ConfigMap", "weft-control-plane-config").path("data").path("control-plane.conf").asText();
    var parsed = com.typesafe.config.ConfigFactory.parseString(config)
        .resolveWith(com.typesafe.config.ConfigFactory.parseMap(Map.of("POD_IP", "10.0.0.7")));
    // A majority of the five nodes forms the cluster.
    assertThat(parsed.getInt("pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr")).isEqualTo(3);
    assertThat(parsed.getString("weft.proxy-injector.proxy-image")).isEqualTo("registry.local/proxy");
    assertThat(parsed.getString("weft.proxy-injector.proxy-version")).isEqualTo("9.9.9");
    assertThat(parsed.getString("weft.discovery.control-plane-namespace")).isEqualTo("mesh");
    assertThat(parsed.getDuration("weft.identity.issuance-lifetime")).isEqualTo(java.time.Duration.ofHours(48));
    // A changed configuration changes the pods' checksum, so the nodes roll.
    assertThat(template.path("metadata").path("annotations").path("weft.io/config-checksum").asText())
        .isNotEqualTo(only(ha, "StatefulSet").path("spec").path("template").path("metadata").path("annotations")
            .path("weft.io/config-checksum").asText());
    // The values recorded for an upgrade are the values rendered.
    assertThat(InstallValues.recorded(only(custom, "ConfigMap", "linkerd-config").path("data").path("values").asText()))
        .isEqualTo(values);
  }

  @Test
  void badValuesAreRefusedSayingWhichAndWhy() {
    InstallValues defaults = InstallValues.defaults();
    assertThatThrownBy(() -> defaults.withSet("controllerReplica=2")).hasMessageContaining("there is no install value controllerReplica");
    assertThatThrownBy(() -> defaults.withSet("controllerReplicas=three")).hasMessageContaining("controllerReplicas is a whole number");
    assertThatThrownBy(() -> defaults.withSet("enablePodAntiAffinity=yes")).hasMessageContaining("is true or false");
    assertThatThrownBy(() -> defaults.withSet("proxy=x")).hasMessageContaining("proxy is a map");
    assertThatThrownBy(() -> defaults.withSet("nokey")).hasMessageContaining("expected key=value");
    assertThatThrownBy(() -> defaults.withValues("proxy: {image: {tag: x}}", "mine.yaml"))
        .hasMessageContaining("mine.yaml: there is no install value proxy.image.tag");
    assertThatThrownBy(() -> defaults.withValues("controllerReplicas: [1", "broken.yaml")).hasMessageStartingWith("broken.yaml: ");
    assertThatThrownBy(() -> InstallManifests.controlPlaneObjects(new InstallManifests.Install("linkerd", "1",
        defaults.withSet("webhookFailurePolicy=Sometimes"), CREDENTIALS))).hasMessageContaining("Ignore or Fail");
    assertThatThrownBy(() -> InstallManifests.controlPlaneObjects(new InstallManifests.Install("linkerd", "1",
        defaults.withSet("identity.issuer.issuanceLifetime=a day"), CREDENTIALS)))
        .hasMessageContaining("identity.issuer.issuanceLifetime is a duration");
    assertThatThrownBy(() -> InstallManifests.controlPlaneObjects(new InstallManifests.Install("linkerd", "1",
        defaults.withSet("proxy.defaultInboundPolicy=allow"), CREDENTIALS)))
        .hasMessageContaining("proxy.defaultInboundPolicy: 'allow' is not a default policy");
    assertThatThrownBy(() -> InstallManifests.controlPlaneObjects(new InstallManifests.Install("linkerd", "1",
        defaults.withSet("clusterNetworks=10.0.0.0/8,10.300.0.0/16"), CREDENTIALS)))
        .hasMessageContaining("clusterNetworks: '10.300.0.0/16' is not an IP address or CIDR");
    var denying = InstallManifests.runtimeSettings("linkerd", "1", defaults.withSet("proxy.defaultInboundPolicy=deny")
        .withSet("clusterNetworks=10.42.0.0/16"));
    var injected = io.weft.operator.inject.InjectionSettings.from(denying.withFallback(com.typesafe.config.ConfigFactory.load()), "1",
        "", "weft/test");
    assertThat(injected.defaultInboundPolicy()).isEqualTo("deny");
    assertThat(injected.clusterNetworks()).isEqualTo("10.42.0.0/16");
    assertThat(InstallValues.documented()).contains("controllerReplicas: 1").contains("# ");
  }

  /** The object as fabric8's typed model, which must hold all of it. */
  private static io.fabric8.kubernetes.api.model.HasMetadata typed(ObjectNode object) {
    io.fabric8.kubernetes.api.model.HasMetadata typed = Serialization.unmarshal(object.toString());
    JsonNode again = Serialization.jsonMapper().valueToTree(typed);
    assertThat(again.equals((a, b) -> a.isNumber() && b.isNumber() ? Double.compare(a.doubleValue(), b.doubleValue())
        : a.equals(b) ? 0 : 1, object)).as(object.path("kind").asText() + ": " + again).isTrue();
    return typed;
  }

  private static ObjectNode only(List<ObjectNode> objects, String kind) {
    return objects.stream().filter(o -> o.path("kind").asText().equals(kind)).findFirst().orElseThrow();
  }

  private static ObjectNode only(List<ObjectNode> objects, String kind, String name) {
    return objects.stream().filter(o -> o.path("kind").asText().equals(kind)
        && o.path("metadata").path("name").asText().equals(name)).findFirst().orElseThrow();
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
