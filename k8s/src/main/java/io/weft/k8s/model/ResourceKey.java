package io.weft.k8s.model;

/** Identifies one object; {@code namespace} is empty for cluster-scoped kinds. */
public record ResourceKey(ResourceKind kind, String namespace, String name) {
  @Override
  public String toString() {
    return kind.kindName() + " " + (namespace.isEmpty() ? name : namespace + "/" + name);
  }
}
