package io.weft.proxy.metrics;

import io.prometheus.metrics.core.datapoints.CounterDataPoint;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.net.InetSocketAddress;

/**
 * Linkerd's inbound authorization families: {@code inbound_tcp_authz_allow_total} and
 * {@code inbound_tcp_authz_deny_total} per connection (and {@code inbound_tcp_authz_terminate_total}
 * for an open one a policy change closed), {@code inbound_http_authz_allow_total} and
 * {@code inbound_http_authz_deny_total} per request — labelled by the target, the client's TLS, the
 * server that guarded the port ({@code srv_*}; {@code srv_kind="default"} for a default policy)
 * and, on allows, the authorization that admitted it ({@code authz_*}).
 */
public final class AuthzMetrics {
  private static final String[] DENY_LABELS = {"target_addr", "target_ip", "target_port", "tls", "client_id", "srv_group",
      "srv_kind", "srv_name"};
  private static final String[] ALLOW_LABELS = HttpMetrics.concat(DENY_LABELS, "authz_group", "authz_kind", "authz_name");

  private final Counter tcpAllow;
  private final Counter tcpDeny;
  private final Counter tcpTerminate;
  private final Counter httpAllow;
  private final Counter httpDeny;

  AuthzMetrics(PrometheusRegistry registry) {
    tcpAllow = Counter.builder().name("inbound_tcp_authz_allow_total").help("The total number of inbound TCP connections that were authorized.")
        .labelNames(ALLOW_LABELS).register(registry);
    tcpDeny = Counter.builder().name("inbound_tcp_authz_deny_total").help("The total number of inbound TCP connections that were denied.")
        .labelNames(DENY_LABELS).register(registry);
    tcpTerminate = Counter.builder().name("inbound_tcp_authz_terminate_total")
        .help("The total number of inbound TCP connections that were terminated due to an authorization change.")
        .labelNames(DENY_LABELS).register(registry);
    httpAllow = Counter.builder().name("inbound_http_authz_allow_total").help("The total number of inbound HTTP requests that were authorized.")
        .labelNames(ALLOW_LABELS).register(registry);
    httpDeny = Counter.builder().name("inbound_http_authz_deny_total").help("The total number of inbound HTTP requests that were denied.")
        .labelNames(DENY_LABELS).register(registry);
  }

  /** What a decision is counted against: the target, how the client came, who decided. */
  public record Labels(InetSocketAddress target, HttpMetrics.Tls tls, Named server, Named authorization) {
    String[] deny() {
      return new String[] {target.getAddress().getHostAddress() + ":" + target.getPort(), target.getAddress().getHostAddress(),
          Integer.toString(target.getPort()), tls.tls(), tls.clientId(), server.group(), server.kind(), server.name()};
    }

    String[] allow() {
      return HttpMetrics.concat(deny(), authorization.group(), authorization.kind(), authorization.name());
    }
  }

  /** A server or authorization as its {@code *_group}, {@code *_kind} and {@code *_name} labels name it. */
  public record Named(String group, String kind, String name) {}

  public void tcp(boolean allowed, Labels labels) {
    if (allowed) {
      tcpAllow.labelValues(labels.allow()).inc();
    } else {
      tcpDeny.labelValues(labels.deny()).inc();
    }
  }

  /** An open connection a policy change no longer admits was closed. */
  public void tcpTerminated(Labels labels) {
    tcpTerminate.labelValues(labels.deny()).inc();
  }

  /** Counts one HTTP decision in its series, looked up once here: run it per request. */
  public Runnable http(boolean allowed, Labels labels) {
    CounterDataPoint series = allowed ? httpAllow.labelValues(labels.allow()) : httpDeny.labelValues(labels.deny());
    return series::inc;
  }
}
