package io.weft.operator.admission;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.operator.inject.ProxyInjector;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import static io.weft.operator.admission.WebhookFixture.podReview;
import static org.assertj.core.api.Assertions.assertThat;

/** The injector and validator webhooks over real HTTPS, answering AdmissionReviews as the API server sends them. */
class AdmissionWebhooksTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private ActorSystem<Void> system;
  private WebhookFixture webhooks;
  private URI uri;

  @BeforeEach
  void start() throws Exception {
    webhooks = new WebhookFixture();
    AdmissionWebhooks.Settings settings = webhooks.settings();
    AdmissionReviews reviews = new AdmissionReviews(new ProxyInjector(settings.injection()),
        ns -> CompletableFuture.completedFuture(ns.equals("shop") ? Map.of(ProxyInjector.INJECT, "enabled") : Map.of()),
        AdmissionObserver.NONE);
    system = ActorSystem.create(Behaviors.empty(), "injector");
    int port = AdmissionWebhooks.bind(system, settings, reviews).toCompletableFuture().join().localAddress().getPort();
    uri = URI.create("https://localhost:" + port + "/");
  }

  @AfterEach
  void stop() {
    webhooks.close();
    system.terminate();
  }

  private HttpResponse<String> post(String body) throws Exception {
    return webhooks.post(uri, body);
  }

  @Test
  void aPodInAnInjectedNamespaceIsPatchedWithTheProxy() throws Exception {
    HttpResponse<String> answer = post(podReview("u-1", "shop"));
    assertThat(answer.statusCode()).isEqualTo(200);
    JsonNode response = JSON.readTree(answer.body()).path("response");
    assertThat(response.path("uid").asText()).isEqualTo("u-1");
    assertThat(response.path("allowed").asBoolean()).isTrue();
    assertThat(response.path("patchType").asText()).isEqualTo("JSONPatch");
    JsonNode patch = JSON.readTree(Base64.getDecoder().decode(response.path("patch").asText()));

    ObjectNode pod = (ObjectNode) JSON.readTree(podReview("u-1", "shop")).path("request").path("object");
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
  void aPodElsewhereIsAllowedUnchangedWithTheReasonAndBadInputIsRefusedWithoutStoppingTheServer() throws Exception {
    JsonNode response = JSON.readTree(post(podReview("u-2", "other")).body()).path("response");
    assertThat(response.path("allowed").asBoolean()).isTrue();
    assertThat(response.has("patch")).isFalse();
    assertThat(response.path("status").path("message").asText()).contains("injection_enable_annotation_absent");

    HttpResponse<String> bad = post("{\"request\": {}}");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("not an AdmissionReview request");
    assertThat(post("not json").statusCode()).isEqualTo(400);
    assertThat(post(podReview("u-3", "shop")).statusCode()).isEqualTo(200);
  }
}
