package io.weft.k8s.model;

import java.util.Map;

/** The parts of {@code metadata} the control plane uses. */
public record ResourceMeta(
    String namespace, String name, String uid, String resourceVersion,
    Map<String, String> labels, Map<String, String> annotations) {

  public ResourceMeta {
    namespace = namespace == null ? "" : namespace;
    uid = uid == null ? "" : uid;
    resourceVersion = resourceVersion == null ? "" : resourceVersion;
    labels = labels == null ? Map.of() : Map.copyOf(labels);
    annotations = annotations == null ? Map.of() : Map.copyOf(annotations);
  }

  public ResourceMeta withResourceVersion(String rv) {
    return new ResourceMeta(namespace, name, uid, rv, labels, annotations);
  }
}
