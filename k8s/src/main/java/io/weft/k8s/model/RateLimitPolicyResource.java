package io.weft.k8s.model;

import java.util.List;

/**
 * An HTTPLocalRateLimitPolicy (policy.linkerd.io): how many requests per second the Server it
 * targets admits in all ({@code total}), from each client identity ({@code identity}; clients without
 * one share a limit), and from the ServiceAccounts its overrides name. 0 means no such limit.
 */
public record RateLimitPolicyResource(ResourceMeta meta, PolicyRef target, int total, int identity, List<Override> overrides)
    implements KubeResource {
  public RateLimitPolicyResource {
    overrides = List.copyOf(overrides);
  }

  /** A limit of its own for the clients {@code clients} (ServiceAccount references). */
  public record Override(int requestsPerSecond, List<PolicyRef> clients) {
    public Override {
      clients = List.copyOf(clients);
    }
  }

  @java.lang.Override public ResourceKind resourceKind() { return ResourceKind.HTTP_LOCAL_RATE_LIMIT_POLICY; }
  @java.lang.Override public RateLimitPolicyResource withResourceVersion(String rv) {
    return new RateLimitPolicyResource(meta.withResourceVersion(rv), target, total, identity, overrides);
  }
}
