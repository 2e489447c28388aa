package io.weft.actors.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.actors.identity.CertificateAuthority;
import io.weft.actors.identity.MeshPki;
import io.weft.k8s.admission.AdmissionReviews;
import io.weft.k8s.inject.InjectionSettings;
import io.weft.k8s.inject.ProxyInjector;
import io.weft.protocol.identity.Pem;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** The injector webhook over real HTTPS, answering AdmissionReviews as the API server sends them. */
@io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient(crud = true)
class AdmissionWebhooksTest {
  static io.fabric8.kubernetes.client.KubernetesClient kube;
  private static final ObjectMapper JSON = new ObjectMapper();
  private ActorSystem<Void> system;
  private HttpClient client;
  private URI uri;
  private String certificatePem;
  private String keyPem;
  private String anchorsPem;

  @BeforeEach
  void start() throws Exception {
    MeshPki pki = MeshPki.create("linkerd", "cluster.local", Instant.now(), Duration.ofDays(1), Duration.ofDays(1));
    KeyPair keys = io.weft.protocol.identity.MeshKeys.newKeyPair();
    var leaf = CertificateAuthority.leaf(pki.issuer(), keys.getPublic(), "localhost", Instant.now().minusSeconds(60),
        Duration.ofDays(1));
    String anchors = Pem.encode(List.of(pki.anchor().certificate()));
    anchorsPem = anchors;
    certificatePem = Pem.encode(List.of(leaf, pki.issuer().certificate()));
    keyPem = Pem.encode(keys.getPrivate());
    AdmissionReviews reviews = new AdmissionReviews(new ProxyInjector(InjectionSettings.defaults("1.0", anchors,
        "weft/proxy-injector 1.0")), ns -> ns.equals("shop") ? Map.of(ProxyInjector.INJECT, "enabled") : Map.of(),
        io.weft.k8s.admission.AdmissionObserver.NONE);
    system = ActorSystem.create(Behaviors.empty(), "injector");
    int port = AdmissionWebhooks.bind(system, "127.0.0.1", 0, Pem.encode(List.of(leaf, pki.issuer().certificate())),
        Pem.encode(keys.getPrivate()), reviews).toCompletableFuture().join().localAddress().getPort();
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("anchor", pki.anchor().certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl).build();
    uri = URI.create("https://localhost:" + port + "/");
  }

  @AfterEach
  void stop() {
    client.close();
    system.terminate();
  }

  private HttpResponse<String> post(String body) throws Exception {
    return client.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  private static String review(String uid, String namespace) {
    return """
        {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
         "request": {"uid": "%s", "kind": {"group": "", "version": "v1", "kind": "Pod"}, "operation": "CREATE",
           "namespace": "%s",
           "object": {"apiVersion": "v1", "kind": "Pod",
             "metadata": {"generateName": "web-5d8f-", "labels": {"app": "web"},
               "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d8f", "uid": "x"}]},
             "spec": {"serviceAccountName": "web", "containers": [{"name": "web", "image": "example/web:1",
               "ports": [{"containerPort": 8080}]}]}}}}
        """.formatted(uid, namespace);
  }

  @Test
  void aPodInAnInjectedNamespaceIsPatchedWithTheProxy() throws Exception {
    HttpResponse<String> answer = post(review("u-1", "shop"));
    assertThat(answer.statusCode()).isEqualTo(200);
    JsonNode response = JSON.readTree(answer.body()).path("response");
    assertThat(response.path("uid").asText()).isEqualTo("u-1");
    assertThat(response.path("allowed").asBoolean()).isTrue();
    assertThat(response.path("patchType").asText()).isEqualTo("JSONPatch");
    JsonNode patch = JSON.readTree(Base64.getDecoder().decode(response.path("patch").asText()));

    ObjectNode pod = (ObjectNode) JSON.readTree(review("u-1", "shop")).path("request").path("object");
    for (JsonNode op : patch) {
      assertThat(op.path("op").asText()).isEqualTo("add");
      String[] path = op.path("path").asText().substring(1).split("/", 2);
      ((ObjectNode) pod.path(path[0])).set(path[1].replace("~1", "/").replace("~0", "~"), op.path("value"));
    }
    assertThat(pod.path("spec").path("initContainers").findValuesAsText("name")).contains("linkerd-proxy", "linkerd-init");
    assertThat(pod.path("metadata").path("labels").path("linkerd.io/proxy-replicaset").asText()).isEqualTo("web-5d8f");
    assertThat(pod.path("metadata").path("labels").path("app").asText()).isEqualTo("web");
    assertThat(pod.path("spec").path("containers").get(0).path("name").asText()).isEqualTo("web");
  }

  @Test
  void theValidatorsRefuseWhatTheMeshCouldNotUseAndAllowTheRest() throws Exception {
    uri = uri.resolve("/validate");
    String review = """
        {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
         "request": {"uid": "%s", "kind": {"group": "linkerd.io", "version": "v1alpha2", "kind": "ServiceProfile"},
           "operation": "CREATE", "namespace": "shop",
           "object": {"apiVersion": "linkerd.io/v1alpha2", "kind": "ServiceProfile",
             "metadata": {"name": "web.shop.svc.cluster.local", "namespace": "shop"},
             "spec": {"routes": [{"name": "list", "condition": {"method": "GET", "pathRegex": "%s"}}]}}}}
        """;
    JsonNode refused = JSON.readTree(post(review.formatted("v-1", "/api/(list")).body()).path("response");
    assertThat(refused.path("uid").asText()).isEqualTo("v-1");
    assertThat(refused.path("allowed").asBoolean()).isFalse();
    assertThat(refused.path("status").path("code").asInt()).isEqualTo(400);
    assertThat(refused.path("status").path("message").asText())
        .contains("ServiceProfile web.shop.svc.cluster.local: spec.routes[0].condition.pathRegex: invalid regular expression");
    JsonNode allowed = JSON.readTree(post(review.formatted("v-2", "/api/list")).body()).path("response");
    assertThat(allowed.path("allowed").asBoolean()).isTrue();
    assertThat(allowed.has("status")).isFalse();
    // A deletion carries no object and is allowed; an unknown path is not a webhook.
    assertThat(JSON.readTree(post("{\"request\": {\"uid\": \"v-3\", \"operation\": \"DELETE\"}}").body())
        .path("response").path("allowed").asBoolean()).isTrue();
    uri = uri.resolve("/mutate-everything");
    assertThat(post(review.formatted("v-4", "/")).statusCode()).isEqualTo(404);
  }

  @Test
  void onTheKubernetesApiAnInjectedPodsWorkloadGetsLinkerdsEvent() throws Exception {
    kube.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("shop")
        .addToAnnotations(ProxyInjector.INJECT, "enabled").endMetadata().build()).create();
    kube.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("other")
        .endMetadata().build()).create();
    var config = io.weft.actors.TestConfigs.node(null, true);
    try (var backend = new io.weft.k8s.api.KubeApiBackend(kube.getConfiguration(),
             java.util.EnumSet.of(io.weft.k8s.model.ResourceKind.NAMESPACE),
             io.weft.actors.ControlPlaneSettings.from(config).kubernetes());
         var controlPlane = io.weft.actors.ControlPlane.start(config, backend, java.util.Optional.empty())) {
      int port = AdmissionWebhooks.bind(controlPlane, "127.0.0.1", 0, certificatePem, keyPem,
          InjectionSettings.defaults("1.0", anchorsPem, "weft/proxy-injector 1.0")).toCompletableFuture().join()
          .localAddress().getPort();
      uri = URI.create("https://localhost:" + port + "/inject");
      assertThat(JSON.readTree(post(review("e-1", "shop")).body()).path("response").has("patch")).isTrue();
      assertThat(JSON.readTree(post(review("e-2", "other")).body()).path("response").has("patch")).isFalse();
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
  void onAControlPlaneItDecidesFromTheNamespacesOfItsCluster(@org.junit.jupiter.api.io.TempDir java.nio.file.Path manifests)
      throws Exception {
    java.nio.file.Files.writeString(manifests.resolve("ns.yaml"), """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop, annotations: {linkerd.io/inject: enabled, config.linkerd.io/proxy-log-level: debug}}
        ---
        apiVersion: v1
        kind: Namespace
        metadata: {name: other}
        """);
    var config = io.weft.actors.TestConfigs.node(null, true);
    try (var controlPlane = io.weft.actors.ControlPlane.start(config, new io.weft.k8s.local.LocalClusterBackend(manifests,
        io.weft.actors.ControlPlaneSettings.from(config).localCluster()), java.util.Optional.empty())) {
      int port = AdmissionWebhooks.bind(controlPlane, "127.0.0.1", 0, certificatePem, keyPem,
          InjectionSettings.defaults("1.0", anchorsPem, "weft/proxy-injector 1.0")).toCompletableFuture().join()
          .localAddress().getPort();
      uri = URI.create("https://localhost:" + port + "/");
      JsonNode shop = JSON.readTree(post(review("u-4", "shop")).body()).path("response");
      String patch = new String(Base64.getDecoder().decode(shop.path("patch").asText()), java.nio.charset.StandardCharsets.UTF_8);
      assertThat(patch).contains("linkerd-proxy").contains("\"LINKERD2_PROXY_LOG\",\"value\":\"debug\"");
      JsonNode other = JSON.readTree(post(review("u-5", "other")).body()).path("response");
      assertThat(other.has("patch")).isFalse();
      // Counted, with Linkerd's metric names and skip reason, on the node's admin port.
      String metrics = controlPlane.admin().scrape();
      assertThat(metrics).contains("proxy_inject_admission_requests_total{namespace=\"shop\",owner_kind=\"ReplicaSet\"} 1.0")
          .contains("proxy_inject_admission_responses_total{namespace=\"shop\",owner_kind=\"ReplicaSet\",reason=\"\",skip=\"false\"} 1.0")
          .contains("proxy_inject_admission_responses_total{namespace=\"other\",owner_kind=\"ReplicaSet\","
              + "reason=\"injection_enable_annotation_absent\",skip=\"true\"} 1.0");
    }
  }

  @Test
  void aPodElsewhereIsAllowedUnchangedWithTheReasonAndBadInputIsRefusedWithoutStoppingTheServer() throws Exception {
    JsonNode response = JSON.readTree(post(review("u-2", "other")).body()).path("response");
    assertThat(response.path("allowed").asBoolean()).isTrue();
    assertThat(response.has("patch")).isFalse();
    assertThat(response.path("status").path("message").asText()).contains("injection_enable_annotation_absent");

    HttpResponse<String> bad = post("{\"request\": {}}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("not an AdmissionReview request");
    assertThat(post("not json").statusCode()).isEqualTo(400);
    assertThat(post(review("u-3", "shop")).statusCode()).isEqualTo(200);
  }
}
