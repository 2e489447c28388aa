package io.weft.operator.admission;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import io.weft.k8s.EventRecorder;
import io.weft.operator.inject.Outcome;

/**
 * The admission webhooks' counters: Linkerd's {@code proxy_inject_admission_requests_total} and
 * {@code proxy_inject_admission_responses_total} (with {@code skip} and its {@code reason}), and
 * the validators' {@code admission_validations_total}.
 */
public final class AdmissionMetrics implements AdmissionObserver {
  private final Counter requests;
  private final Counter responses;
  private final Counter validations;

  public AdmissionMetrics(PrometheusRegistry registry) {
    requests = Counter.builder().name("proxy_inject_admission_requests_total")
        .help("Pods the proxy injector was asked about").labelNames("namespace", "owner_kind").register(registry);
    responses = Counter.builder().name("proxy_inject_admission_responses_total")
        .help("The proxy injector's answers; skip=true with Linkerd's reason when not injected")
        .labelNames("namespace", "owner_kind", "skip", "reason").register(registry);
    validations = Counter.builder().name("admission_validations_total")
        .help("Objects the ServiceProfile and policy validators checked").labelNames("kind", "allowed").register(registry);
  }

  @Override
  public void injection(EventRecorder.Involved owner, Outcome outcome) {
    requests.labelValues(owner.namespace(), owner.kind()).inc();
    if (outcome instanceof Outcome.Skipped skipped) {
      responses.labelValues(owner.namespace(), owner.kind(), "true", skipped.reason()).inc();
    } else {
      responses.labelValues(owner.namespace(), owner.kind(), "false", "").inc();
    }
  }

  @Override
  public void validation(String kind, boolean allowed) {
    validations.labelValues(kind, Boolean.toString(allowed)).inc();
  }
}
