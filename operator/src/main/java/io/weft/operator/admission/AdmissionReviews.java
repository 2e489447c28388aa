package io.weft.operator.admission;

import io.weft.k8s.EventRecorder;
import io.weft.operator.inject.Outcome;
import io.weft.operator.inject.JsonFields;
import io.weft.operator.inject.ProxyInjector;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The admission webhooks' logic: an {@code admission.k8s.io/v1} AdmissionReview in, the review's
 * response out. The injector allows a pod always (a webhook that cannot inject must not block a
 * deployment) with an RFC 6902 JSON patch when the engine injected it; the validators refuse what
 * {@link ResourceValidator} finds wrong. Pure: the HTTPS server and the namespace lookup are the
 * caller's; the lookup answers asynchronously, so no review holds a thread while it waits.
 */
public final class AdmissionReviews {
  /** Where a review's pod is, for messages. */
  private static final String POD = "request.object.";
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final int BAD_REQUEST = 400;

  private final ProxyInjector injector;
  private final Function<String, CompletionStage<Map<String, String>>> namespaceAnnotations;
  private final ResourceValidator validator = new ResourceValidator();
  private final AdmissionObserver observer;

  /** {@code namespaceAnnotations}: a namespace's annotations by name (empty if it has none or is unknown). */
  public AdmissionReviews(ProxyInjector injector, Function<String, CompletionStage<Map<String, String>>> namespaceAnnotations,
                          AdmissionObserver observer) {
    this.injector = injector;
    this.namespaceAnnotations = namespaceAnnotations;
    this.observer = observer;
  }

  /**
   * The injector's answer to {@code reviewJson}, once the pod's namespace is known. Throws
   * {@link IllegalArgumentException} for a malformed review.
   */
  public CompletionStage<String> inject(String reviewJson) {
    JsonNode review = parse(reviewJson);
    JsonNode request = review.path("request");
    if (!(request.path("object") instanceof ObjectNode pod)) {
      throw new IllegalArgumentException("not an AdmissionReview request (want request.object)");
    }
    ObjectNode response = JSON.createObjectNode().put("uid", request.path("uid").asText()).put("allowed", true);
    if (!pod.path("kind").asText("Pod").equals("Pod")) {
      return java.util.concurrent.CompletableFuture.completedFuture(answer(review, response));
    }
    // A pod that cannot be patched is refused now, as malformed, not after the namespace lookup.
    ObjectNode metadata = JsonFields.object(pod, "metadata", POD);
    ObjectNode spec = JsonFields.object(pod, "spec", POD);
    String namespace = request.path("namespace").asText(metadata.path("namespace").asText("default"));
    return namespaceAnnotations.apply(namespace).thenApply(annotations -> {
      try {
        injectPod(pod, metadata, spec, namespace, annotations, response);
      } catch (IllegalArgumentException unusable) {
        // A setting the proxy could not honour (a bad config.linkerd.io/* value): the pod is refused,
        // saying which, rather than started without its proxy (fail closed).
        response.put("allowed", false).remove(List.of("patchType", "patch"));
        response.putObject("status").put("code", BAD_REQUEST).put("message", "cannot inject the proxy: " + unusable.getMessage());
      }
      return answer(review, response);
    });
  }

  private void injectPod(ObjectNode pod, ObjectNode metadata, ObjectNode spec, String namespace,
                         Map<String, String> namespaceAnnotations, ObjectNode response) {
    ObjectNode original = pod.deepCopy();
    JsonNode owner = metadata.path("ownerReferences").path(0);
    String kind = owner.isMissingNode() ? "Pod" : owner.path("kind").asText("Pod");
    String ownerName = owner.isMissingNode() ? metadata.path("name").asText(metadata.path("generateName").asText(""))
        : owner.path("name").asText("");
    Outcome outcome = injector.inject(metadata, spec, kind, ownerName, namespace, namespaceAnnotations,
        ProxyInjector.Mode.WEBHOOK, false);
    observer.injection(owner.isMissingNode()
        ? new EventRecorder.Involved("v1", "Pod", namespace, ownerName, metadata.path("uid").asText(""))
        : new EventRecorder.Involved(owner.path("apiVersion").asText(""), kind, namespace, ownerName,
            owner.path("uid").asText("")), outcome);
    if (outcome instanceof Outcome.Injected) {
      ArrayNode patch = JSON.createArrayNode();
      diff("/metadata", (ObjectNode) original.path("metadata"), metadata, patch);
      diff("/spec", (ObjectNode) original.path("spec"), spec, patch);
      response.put("patchType", "JSONPatch")
          .put("patch", Base64.getEncoder().encodeToString(patch.toString().getBytes(StandardCharsets.UTF_8)));
    } else if (outcome instanceof Outcome.Skipped skipped) {
      response.putObject("status").put("message", "not injected: " + skipped.explanation() + " (" + skipped.reason() + ")");
    }
  }

  /**
   * The validators' answer to {@code reviewJson}: allowed, or refused with code 400 and what is
   * wrong. A review without an object (a deletion) is allowed. Throws
   * {@link IllegalArgumentException} for a malformed review.
   */
  public String validate(String reviewJson) {
    JsonNode review = parse(reviewJson);
    JsonNode request = review.path("request");
    ObjectNode response = JSON.createObjectNode().put("uid", request.path("uid").asText());
    java.util.Optional<String> problem = request.path("object").isObject() ? validator.problem(request.path("object"))
        : java.util.Optional.empty();
    response.put("allowed", problem.isEmpty());
    if (request.path("object").isObject()) {
      observer.validation(request.path("object").path("kind").asText(""), problem.isEmpty());
    }
    problem.ifPresent(p -> response.putObject("status").put("code", BAD_REQUEST).put("message", p));
    return answer(review, response);
  }

  private static JsonNode parse(String reviewJson) {
    JsonNode review;
    try {
      review = JSON.readTree(reviewJson);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
    if (review == null || review.path("request").path("uid").asText("").isEmpty()) {
      throw new IllegalArgumentException("not an AdmissionReview request (want request.uid)");
    }
    return review;
  }

  private static String answer(JsonNode review, ObjectNode response) {
    ObjectNode answer = JSON.createObjectNode();
    answer.put("apiVersion", review.path("apiVersion").asText("admission.k8s.io/v1"));
    answer.put("kind", "AdmissionReview");
    answer.set("response", response);
    return answer.toString();
  }

  /** "add" of every top-level field that changed (add replaces an existing member), in the order they appear. */
  private static void diff(String path, ObjectNode before, ObjectNode after, ArrayNode patch) {
    if (before == null || before.isMissingNode()) {
      patch.addObject().put("op", "add").put("path", path).set("value", after);
      return;
    }
    for (Iterator<Map.Entry<String, JsonNode>> fields = after.fields(); fields.hasNext(); ) {
      Map.Entry<String, JsonNode> field = fields.next();
      if (!field.getValue().equals(before.get(field.getKey()))) {
        patch.addObject().put("op", "add").put("path", path + "/" + escape(field.getKey())).set("value", field.getValue());
      }
    }
  }

  private static String escape(String key) {
    return key.replace("~", "~0").replace("/", "~1");
  }
}
