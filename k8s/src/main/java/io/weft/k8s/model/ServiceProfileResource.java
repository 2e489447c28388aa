package io.weft.k8s.model;

import java.time.Duration;
import java.util.List;

/**
 * A ServiceProfile (linkerd.io/v1alpha2). Its name is the service's FQDN, e.g.
 * {@code web-svc.emojivoto.svc.cluster.local}.
 */
public record ServiceProfileResource(
    ResourceMeta meta, List<Route> routes, RetryBudget retryBudget, List<WeightedDst> dstOverrides)
    implements KubeResource {

  public ServiceProfileResource {
    routes = routes == null ? List.of() : List.copyOf(routes);
    dstOverrides = dstOverrides == null ? List.of() : List.copyOf(dstOverrides);
  }

  public record Route(String name, RequestMatch condition, List<ResponseClass> responseClasses,
                      boolean isRetryable, Duration timeout) {
    public Route {
      responseClasses = responseClasses == null ? List.of() : List.copyOf(responseClasses);
    }
  }

  /** Exactly one of the fields is set. */
  public record RequestMatch(List<RequestMatch> all, List<RequestMatch> any, RequestMatch not,
                             String pathRegex, String method) {}

  public record ResponseClass(ResponseMatch condition, boolean isFailure) {}

  /** Exactly one of the fields is set; a status range with min 0 or max 0 is open on that side. */
  public record ResponseMatch(List<ResponseMatch> all, List<ResponseMatch> any, ResponseMatch not,
                              int statusMin, int statusMax) {}

  public record RetryBudget(double retryRatio, int minRetriesPerSecond, Duration ttl) {}

  /** {@code weight} in thousandths of the quantity written ({@code 1} is 1000, {@code 500m} is 500), as Linkerd sends it. */
  public record WeightedDst(String authority, long weight) {}

  @Override public ResourceKind resourceKind() { return ResourceKind.SERVICE_PROFILE; }
  @Override public ServiceProfileResource withResourceVersion(String rv) {
    return new ServiceProfileResource(meta.withResourceVersion(rv), routes, retryBudget, dstOverrides);
  }
}
