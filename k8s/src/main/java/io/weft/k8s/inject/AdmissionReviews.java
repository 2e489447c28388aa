package io.weft.k8s.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Iterator;
import java.util.Map;
import java.util.function.Function;

/**
 * The proxy injector's admission logic: an {@code admission.k8s.io/v1} AdmissionReview for a pod
 * in, the review's response out, allowing the pod always (a webhook that cannot inject must not
 * block a deployment) with an RFC 6902 JSON patch when the engine injected it. Pure: the HTTPS
 * server and the namespace lookup are the caller's.
 */
public final class AdmissionReviews {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ProxyInjector injector;
  private final Function<String, Map<String, String>> namespaceAnnotations;

  /** {@code namespaceAnnotations}: a namespace's annotations by name (empty if it has none or is unknown). */
  public AdmissionReviews(ProxyInjector injector, Function<String, Map<String, String>> namespaceAnnotations) {
    this.injector = injector;
    this.namespaceAnnotations = namespaceAnnotations;
  }

  /** The AdmissionReview to answer {@code reviewJson} with. Throws {@link IllegalArgumentException} for a malformed review. */
  public String review(String reviewJson) {
    JsonNode review;
    try {
      review = JSON.readTree(reviewJson);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not JSON: " + e.getMessage(), e);
    }
    JsonNode request = review.path("request");
    String uid = request.path("uid").asText("");
    if (uid.isEmpty() || !(request.path("object") instanceof ObjectNode pod)) {
      throw new IllegalArgumentException("not an AdmissionReview request (want request.uid and request.object)");
    }
    ObjectNode response = JSON.createObjectNode().put("uid", uid).put("allowed", true);
    if (pod.path("kind").asText("Pod").equals("Pod")) {
      String namespace = request.path("namespace").asText(pod.path("metadata").path("namespace").asText("default"));
      ObjectNode original = pod.deepCopy();
      ObjectNode metadata = pod.get("metadata") instanceof ObjectNode m ? m : pod.putObject("metadata");
      ObjectNode spec = pod.get("spec") instanceof ObjectNode s ? s : pod.putObject("spec");
      JsonNode owner = metadata.path("ownerReferences").path(0);
      String kind = owner.isMissingNode() ? "Pod" : owner.path("kind").asText("Pod");
      String ownerName = owner.isMissingNode() ? metadata.path("name").asText(metadata.path("generateName").asText(""))
          : owner.path("name").asText("");
      Outcome outcome = injector.inject(metadata, spec, kind, ownerName, namespace,
          namespaceAnnotations.apply(namespace), ProxyInjector.Mode.WEBHOOK, false);
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
