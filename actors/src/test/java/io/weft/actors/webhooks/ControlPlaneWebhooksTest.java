package io.weft.actors.webhooks;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.actors.ControlPlane;
import io.weft.actors.ControlPlaneSettings;
import io.weft.actors.TestConfigs;
import io.weft.k8s.api.KubeApiBackend;
import io.weft.k8s.local.LocalClusterBackend;
import io.weft.k8s.model.ResourceKind;
import io.weft.operator.admission.WebhookFixture;
import io.weft.operator.inject.ProxyInjector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.EnumSet;
import java.util.Optional;

import static io.weft.operator.admission.WebhookFixture.podReview;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * The admission webhooks as a control-plane node serves them: wired at start-up, deciding from the
 * namespaces in the node's index, counting into its admin port and recording Linkerd's events.
 */
@io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient(crud = true)
class ControlPlaneWebhooksTest {
  static io.fabric8.kubernetes.client.KubernetesClient kube;
  private static final ObjectMapper JSON = new ObjectMapper();
  private final WebhookFixture webhooks;
  private URI uri;

  ControlPlaneWebhooksTest() throws Exception {
    webhooks = new WebhookFixture();
  }

  @AfterEach
  void stop() {
    webhooks.close();
  }

  private HttpResponse<String> post(String body) throws Exception {
    return webhooks.post(uri, body);
  }

  @Test
  void onTheKubernetesApiAnInjectedPodsWorkloadGetsLinkerdsEvent() throws Exception {
    kube.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("shop")
        .addToAnnotations(ProxyInjector.INJECT, "enabled").endMetadata().build()).create();
    kube.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("other")
        .endMetadata().build()).create();
    var config = TestConfigs.node(null, true);
    try (var backend = new KubeApiBackend(kube.getConfiguration(), EnumSet.of(ResourceKind.NAMESPACE),
             ControlPlaneSettings.from(config).kubernetes());
         var controlPlane = ControlPlane.start(config, backend, Optional.empty(), Optional.of(webhooks.settings()))) {
      uri = URI.create("https://localhost:" + controlPlane.webhookPort().orElseThrow() + "/inject");
      assertThat(JSON.readTree(post(podReview("e-1", "shop")).body()).path("response").has("patch")).isTrue();
      assertThat(JSON.readTree(post(podReview("e-2", "other")).body()).path("response").has("patch")).isFalse();
      var events = kube.v1().events().inAnyNamespace().list().getItems();
      assertThat(events).singleElement().satisfies(event -> {
        assertThat(event.getMetadata().getNamespace()).isEqualTo("shop");
        assertThat(event.getInvolvedObject().getKind()).isEqualTo("ReplicaSet");
        assertThat(event.getInvolvedObject().getName()).isEqualTo("web-5d8f");
        assertThat(event.getReason()).isEqualTo("Injected");
        assertThat(event.getMessage()).isEqualTo("Linkerd sidecar proxy injected");
        assertThat(event.getType()).isEqualTo("Normal");
        assertThat(event.getSource().getComponent()).isEqualTo("linkerd-proxy-injector");
      });
    }
  }

  @Test
  void onAControlPlaneItDecidesFromTheNamespacesOfItsCluster(@TempDir Path manifests)
      throws Exception {
    Files.writeString(manifests.resolve("ns.yaml"), """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop, annotations: {linkerd.io/inject: enabled, config.linkerd.io/proxy-log-level: debug}}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: other}
        """);
    var config = TestConfigs.node(null, true);
    try (var controlPlane = ControlPlane.start(config, new LocalClusterBackend(manifests,
        ControlPlaneSettings.from(config).localCluster()), Optional.empty(), Optional.of(webhooks.settings()))) {
      uri = URI.create("https://localhost:" + controlPlane.webhookPort().orElseThrow() + "/");
      JsonNode shop = JSON.readTree(post(podReview("u-4", "shop")).body()).path("response");
      String patch = new String(Base64.getDecoder().decode(shop.path("patch").asText()), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(patch).contains("linkerd-proxy").contains("\"LINKERD2_PROXY_LOG\",\"value\":\"debug,[{headers}]=off,[{request}]=off\"");
      JsonNode other = JSON.readTree(post(podReview("u-5", "other")).body()).path("response");
      assertThat(other.has("patch")).isFalse();
      // Counted, with Linkerd's metric names and skip reason, on the node's admin port.
      String metrics = controlPlane.admin().scrape();
      assertThat(metrics).contains("proxy_inject_admission_requests_total{namespace=\"shop\",owner_kind=\"ReplicaSet\"} 1.0")
          .contains("proxy_inject_admission_responses_total{namespace=\"shop\",owner_kind=\"ReplicaSet\",reason=\"\",skip=\"false\"} 1.0")
          .contains("proxy_inject_admission_responses_total{namespace=\"other\",owner_kind=\"ReplicaSet\","
              + "reason=\"injection_enable_annotation_absent\",skip=\"true\"} 1.0");
    }
  }

}
