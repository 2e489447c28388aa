package io.weft.k8s.model;

import java.util.List;

/**
 * A MeshTLSAuthentication (policy.linkerd.io): clients with one of these mesh identities (exact,
 * {@code *} for any, {@code *.suffix} for a suffix), or those of the ServiceAccounts or Namespaces
 * referred to; exactly one of the two lists is set.
 */
public record MeshTlsAuthenticationResource(ResourceMeta meta, List<String> identities, List<PolicyRef> identityRefs)
    implements KubeResource {
  public MeshTlsAuthenticationResource {
    identities = List.copyOf(identities);
    identityRefs = List.copyOf(identityRefs);
  }

  @Override public ResourceKind resourceKind() { return ResourceKind.MESH_TLS_AUTHENTICATION; }
  @Override public MeshTlsAuthenticationResource withResourceVersion(String rv) {
    return new MeshTlsAuthenticationResource(meta.withResourceVersion(rv), identities, identityRefs);
  }
}
