package io.weft.proxy.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.net.InetSocketAddress;

/**
 * Linkerd's inbound authorization families: {@code inbound_tcp_authz_allow_total} and
 * {@code inbound_tcp_authz_deny_total} per connection (and {@code inbound_tcp_authz_terminate_total}
 * for an open one a policy change closed), {@code inbound_http_authz_allow_total} and
 * {@code inbound_http_authz_deny_total} per request, {@code inbound_http_route_not_found_total} for a
 * request no route takes and {@code inbound_http_local_ratelimit_total} for one a rate limit refused —
 * labelled by the target, the client's TLS, the server that guarded the port ({@code srv_*};
 * {@code srv_kind="default"} for a default policy), for requests the route ({@code route_*}), on
 * allows the authorization that admitted it ({@code authz_*}) and on rate limits the policy and
 * which of its limits ({@code ratelimit_*}).
 */
public final class AuthzMetrics {
  private static final String[] SERVER_LABELS = {"target_addr", "target_ip", "target_port", "tls", "client_id", "srv_group",
      "srv_kind", "srv_name"};
  private static final String[] TCP_ALLOW_LABELS = HttpMetrics.concat(SERVER_LABELS, "authz_group", "authz_kind", "authz_name");
  private static final String[] ROUTE_LABELS = HttpMetrics.concat(SERVER_LABELS, "route_group", "route_kind", "route_name");
  private static final String[] HTTP_ALLOW_LABELS = HttpMetrics.concat(ROUTE_LABELS, "authz_group", "authz_kind", "authz_name");
  private static final String[] RATE_LIMIT_LABELS = HttpMetrics.concat(SERVER_LABELS, "ratelimit_group", "ratelimit_kind",
      "ratelimit_name", "ratelimit_scope");

  private final Counter tcpAllow;
  private final Counter tcpDeny;
  private final Counter tcpTerminate;
  private final Counter httpAllow;
  private final Counter httpDeny;
  private final Counter routeNotFound;
  private final Counter rateLimited;
  private final PrometheusRegistry registry;

  AuthzMetrics(PrometheusRegistry registry) {
    this.registry = registry;
    tcpAllow = Counter.builder().name("inbound_tcp_authz_allow_total").help("The total number of inbound TCP connections that were authorized.")
        .labelNames(TCP_ALLOW_LABELS).withoutExemplars().register(registry);
    tcpDeny = Counter.builder().name("inbound_tcp_authz_deny_total").help("The total number of inbound TCP connections that were denied.")
        .labelNames(SERVER_LABELS).withoutExemplars().register(registry);
    tcpTerminate = Counter.builder().name("inbound_tcp_authz_terminate_total")
        .help("The total number of inbound TCP connections that were terminated due to an authorization change.")
        .labelNames(SERVER_LABELS).withoutExemplars().register(registry);
    httpAllow = Counter.builder().name("inbound_http_authz_allow_total").help("The total number of inbound HTTP requests that were authorized.")
        .labelNames(HTTP_ALLOW_LABELS).withoutExemplars().register(registry);
    httpDeny = Counter.builder().name("inbound_http_authz_deny_total").help("The total number of inbound HTTP requests that were denied.")
        .labelNames(ROUTE_LABELS).withoutExemplars().register(registry);
    routeNotFound = Counter.builder().name("inbound_http_route_not_found_total")
        .help("The total number of inbound HTTP requests that could not be associated with a route.").labelNames(SERVER_LABELS).withoutExemplars().register(registry);
    rateLimited = Counter.builder().name("inbound_http_local_ratelimit_total")
        .help("The total number of inbound HTTP requests that were rate-limited.").labelNames(RATE_LIMIT_LABELS).withoutExemplars().register(registry);
  }

  /**
   * What a decision is counted against: the target, how the client came, who decided — the server,
   * for a request its route, and the authorization that admitted it (empty names when none did).
   */
  public record Labels(InetSocketAddress target, HttpMetrics.Tls tls, Named server, Named route, Named authorization) {
    String[] serverValues() {
      return new String[] {target.getAddress().getHostAddress() + ":" + target.getPort(), target.getAddress().getHostAddress(),
          Integer.toString(target.getPort()), tls.tls(), tls.clientId(), server.group(), server.kind(), server.name()};
    }

    String[] withRoute() {
      return HttpMetrics.concat(serverValues(), route.group(), route.kind(), route.name());
    }

    public Labels forRoute(Named route, Named authorization) {
      return new Labels(target, tls, server, route, authorization);
    }
  }

  /** A server, route, authorization or rate limit as its {@code *_group}, {@code *_kind} and {@code *_name} labels name it. */
  public record Named(String group, String kind, String name) {
    public static final Named NONE = new Named("", "", "");
  }

  public void tcp(boolean allowed, Labels labels) {
    if (allowed) {
      tcpAllow.labelValues(HttpMetrics.concat(labels.serverValues(), labels.authorization().group(), labels.authorization().kind(),
          labels.authorization().name())).inc();
    } else {
      tcpDeny.labelValues(labels.serverValues()).inc();
    }
  }

  /** An open connection a policy change no longer admits was closed. */
  public void tcpTerminated(Labels labels) {
    tcpTerminate.labelValues(labels.serverValues()).inc();
  }

  /** Counts one HTTP decision in its series, looked up once here: run it per request. */
  public Runnable http(boolean allowed, Labels labels) {
    CounterDataPoint series = allowed
        ? httpAllow.labelValues(HttpMetrics.concat(labels.withRoute(), labels.authorization().group(), labels.authorization().kind(),
            labels.authorization().name()))
        : httpDeny.labelValues(labels.withRoute());
    return series::inc;
  }

  /** A request no route of its server takes. */
  public void routeNotFound(Labels labels) {
    routeNotFound.labelValues(labels.serverValues()).inc();
  }

  /**
   * {@code inbound_policy_stream_up{port}}: 1 while the proxy follows {@code port}'s policy from the
   * control plane, 0 while that stream is down (the last answer, or the default policy, stands) —
   * what {@code weft check --proxy} reads.
   */
  public void policyStreams(java.util.Set<Integer> ports, java.util.function.IntPredicate up) {
    io.prometheus.metrics.core.metrics.GaugeWithCallback.builder().name("inbound_policy_stream_up")
        .help("Whether the proxy follows the port's inbound policy from the control plane.").labelNames("port")
        .callback(callback -> ports.forEach(port -> callback.call(up.test(port) ? 1 : 0, Integer.toString(port))))
        .register(registry);
  }

  /** A request {@code limit}'s {@code scope} limit refused. */
  public void rateLimited(Labels labels, Named limit, String scope) {
    rateLimited.labelValues(HttpMetrics.concat(labels.serverValues(), limit.group(), limit.kind(), limit.name(), scope)).inc();
  }
}
