package io.weft.k8s.model;

public record NamespaceResource(ResourceMeta meta) implements KubeResource {
  @Override public ResourceKind resourceKind() { return ResourceKind.NAMESPACE; }
  @Override public NamespaceResource withResourceVersion(String rv) { return new NamespaceResource(meta.withResourceVersion(rv)); }
}
