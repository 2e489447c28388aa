package io.weft.proxy.metrics;

import io.prometheus.metrics.core.metrics.Gauge;
import io.prometheus.metrics.model.registry.PrometheusRegistry;

import java.time.Instant;

/**
 * Linkerd's identity families: when the current certificate expires, and how many certificates
 * the proxy has obtained. The refresh count is a monotonic gauge: the Prometheus client would
 * rename a counter to {@code identity_cert_refresh_count_total}, and Linkerd's name is the contract.
 */
public final class IdentityMetrics {
  private final Gauge expiration;
  private final Gauge refreshes;
  private final io.prometheus.metrics.core.metrics.Counter failures;

  IdentityMetrics(PrometheusRegistry registry) {
    expiration = Gauge.builder().name("identity_cert_expiration_timestamp_seconds")
        .help("Time when this proxy's current mTLS identity certificate will expire (in seconds since the UNIX epoch).")
        .withoutExemplars().register(registry);
    refreshes = Gauge.builder().name("identity_cert_refresh_count")
        .help("The total number of times this proxy's mTLS identity certificate has been refreshed by the Identity service.")
        .withoutExemplars().register(registry);
    // Not one of Linkerd's: a renewal that keeps failing is otherwise visible only in logs.
    failures = io.prometheus.metrics.core.metrics.Counter.builder().name("identity_cert_refresh_failures_total")
        .help("Attempts to get a certificate from the Identity service that failed (the current certificate stays in use).")
        .withoutExemplars().register(registry);
  }

  public void failed() {
    failures.inc();
  }

  public void certified(Instant expires) {
    expiration.set(expires.getEpochSecond());
    refreshes.inc();
  }
}
