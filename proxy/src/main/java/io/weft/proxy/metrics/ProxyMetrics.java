package io.weft.proxy.metrics;

import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;


/** One proxy's metrics: its own registry (several proxies may share a JVM) with the HTTP, route, TCP and identity families. */
public final class ProxyMetrics {
  private final PrometheusRegistry registry = new PrometheusRegistry();
  private final HttpMetrics http = new HttpMetrics(registry);
  private final TcpMetrics tcp = new TcpMetrics(registry);
  private final IdentityMetrics identity = new IdentityMetrics(registry);
  private final RouteMetrics routes = new RouteMetrics(registry);
  private final PolicyRouteMetrics policyRoutes = new PolicyRouteMetrics(registry);
  private final AuthzMetrics authz = new AuthzMetrics(registry);
  private final io.prometheus.metrics.core.metrics.Counter tapDropped = io.prometheus.metrics.core.metrics.Counter.builder()
      .name("tap_event_dropped_total").help("Tap events dropped because the tap client read too slowly.").withoutExemplars().register(registry);

  /** Counts a tap event dropped for a slow tap client. */
  public void tapEventDropped() {
    tapDropped.inc();
  }

  public HttpMetrics http() {
    return http;
  }

  public RouteMetrics routes() {
    return routes;
  }

  /** The families of outbound policy routes (HTTPRoutes, GRPCRoutes, the default route). */
  public PolicyRouteMetrics policyRoutes() {
    return policyRoutes;
  }

  /** Inbound authorization: what was allowed and denied. */
  public AuthzMetrics authz() {
    return authz;
  }

  public TcpMetrics tcp() {
    return tcp;
  }

  public IdentityMetrics identity() {
    return identity;
  }

  /** Everything recorded, for in-process readers such as the demo's summary. */
  public MetricSnapshots snapshot() {
    return registry.scrape();
  }

  /** The Prometheus text exposition of everything recorded, as /metrics serves it. */
  public String scrape() {
    return io.weft.protocol.admin.PrometheusText.scrape(registry);
  }
}
