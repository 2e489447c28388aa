package io.weft.k8s.decode;

import com.fasterxml.jackson.databind.JsonNode;
import io.weft.k8s.model.ResourceMeta;

import java.util.Map;

/**
 * A pod controller in a local-cluster manifest (Deployment, StatefulSet, DaemonSet, ReplicaSet):
 * the local cluster runs {@code replicas} pods from {@code podTemplate}.
 */
public record Workload(String kind, ResourceMeta meta, int replicas, Map<String, String> selector, JsonNode podTemplate) {
  public static final java.util.Set<String> KINDS = java.util.Set.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet");

  public static Workload decode(JsonNode object) throws ManifestException {
    Node root = Node.root(object);
    String kind = root.get("kind").requiredText();
    ResourceMeta meta = ManifestDecoder.meta(root.get("metadata"), io.weft.k8s.model.ResourceKind.POD);
    Node spec = root.get("spec");
    int replicas = kind.equals("DaemonSet") ? 1 : spec.get("replicas").integer(1);
    if (replicas < 0) {
      throw new ManifestException(spec.get("replicas").path(), "must not be negative");
    }
    Node template = spec.get("template");
    if (!template.present()) {
      throw new ManifestException(template.path(), "is required");
    }
    Map<String, String> selector = spec.get("selector").get("matchLabels").stringMap();
    Map<String, String> labels = template.get("metadata").get("labels").stringMap();
    for (Map.Entry<String, String> e : selector.entrySet()) {
      if (!e.getValue().equals(labels.get(e.getKey()))) {
        throw new ManifestException(spec.get("selector").path(),
            "selector " + e.getKey() + "=" + e.getValue() + " does not match the template's labels");
      }
    }
    // Decode the template as a pod now, so a bad template is reported against this workload.
    Node containers = template.get("spec").get("containers");
    for (Node c : containers.list()) {
      for (Node p : c.get("ports").list()) {
        p.get("containerPort").port(0);
      }
    }
    return new Workload(kind, meta, replicas, selector, template.json());
  }
}
