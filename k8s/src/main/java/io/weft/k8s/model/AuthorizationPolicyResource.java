package io.weft.k8s.model;

import java.util.List;

/**
 * An AuthorizationPolicy (policy.linkerd.io): access to its target (a Server, an HTTPRoute, a
 * GRPCRoute or a whole Namespace) for clients that pass every one of its required authentications
 * (at most one network and one mesh identity requirement).
 */
public record AuthorizationPolicyResource(ResourceMeta meta, PolicyRef target, List<PolicyRef> requiredAuthentications)
    implements KubeResource {
  public AuthorizationPolicyResource {
    requiredAuthentications = List.copyOf(requiredAuthentications);
  }

  @Override public ResourceKind resourceKind() { return ResourceKind.AUTHORIZATION_POLICY; }
  @Override public AuthorizationPolicyResource withResourceVersion(String rv) {
    return new AuthorizationPolicyResource(meta.withResourceVersion(rv), target, requiredAuthentications);
  }
}
