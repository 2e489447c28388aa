package io.weft.k8s.model;

public record ServiceAccountResource(ResourceMeta meta) implements KubeResource {
  @Override public ResourceKind resourceKind() { return ResourceKind.SERVICE_ACCOUNT; }
  @Override public ServiceAccountResource withResourceVersion(String rv) { return new ServiceAccountResource(meta.withResourceVersion(rv)); }
}
