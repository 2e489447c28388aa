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

  /** Whether it is aimed at the Server {@code namespace/name}, or at that whole namespace. */
  public boolean targetsServer(String namespace, String name) {
    return switch (target.kind()) {
      case "Server" -> target.name().equals(name) && target.namespace().equals(namespace);
      case "Namespace" -> target.name().equals(namespace);
      default -> false;
    };
  }

  /** Whether it is aimed at {@code route} (Linkerd's own HTTPRoute is the default group; the Gateway API's must be named). */
  public boolean targetsRoute(RouteResource route) {
    String group = target.group().isEmpty() ? ResourceKind.HTTP_ROUTE.group() : target.group();
    return target.kind().equals(route.kind().kindName()) && group.equals(route.kind().group())
        && target.name().equals(route.meta().name()) && target.namespace().equals(route.meta().namespace());
  }

  @Override public ResourceKind resourceKind() { return ResourceKind.AUTHORIZATION_POLICY; }
  @Override public AuthorizationPolicyResource withResourceVersion(String rv) {
    return new AuthorizationPolicyResource(meta.withResourceVersion(rv), target, requiredAuthentications);
  }
}
