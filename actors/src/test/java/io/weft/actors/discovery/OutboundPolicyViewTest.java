package io.weft.actors.discovery;

import com.typesafe.config.ConfigFactory;
import io.linkerd.proxy.outbound.FailureAccrual;
import io.linkerd.proxy.outbound.OutboundPolicy;
import io.weft.actors.state.ServiceInputs;
import io.weft.k8s.model.ResourceMeta;
import io.weft.k8s.model.ServiceResource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OutboundPolicyViewTest {
  private final DiscoverySettings discovery = DiscoverySettings.from(ConfigFactory.load());
  private final OutboundPolicyView view = new OutboundPolicyView(discovery, OutboundPolicySettings.from(ConfigFactory.load()),
      new EndpointView(discovery));

  private OutboundPolicy policy(int port, Map<String, String> annotations) {
    ServiceResource service = new ServiceResource(new ResourceMeta("shop", "api", "", "1", Map.of(), annotations), "ClusterIP",
        "10.0.0.1", Map.of("app", "api"), List.of(new ServiceResource.ServicePort("http", port, 8080, null, "TCP")));
    return view.forService(new DestinationTarget.ServicePort("shop", "api", port), new ServiceInputs(service, List.of(), Map.of(), null));
  }

  @Test
  void aServiceGetsTheDefaultRouteToItsOwnBalancedBackend() {
    OutboundPolicy policy = policy(80, Map.of());
    assertThat(policy.getMetadata().getResource().getKind()).isEqualTo("Service");
    var http1 = policy.getProtocol().getDetect().getHttp1();
    assertThat(http1.hasFailureAccrual()).isFalse();
    var backend = http1.getRoutes(0).getRules(0).getBackends().getFirstAvailable().getBackends(0).getBackend();
    assertThat(backend.getBalancer().getDiscovery().getDst().getPath()).isEqualTo("api.shop.svc.cluster.local:80");
    assertThat(backend.getQueue().getCapacity()).isEqualTo(100);
    assertThat(backend.getBalancer().getPeakEwma().getDefaultRtt().getNanos()).isEqualTo(30_000_000);
    assertThat(policy.getProtocol().getDetect().getTimeout().getSeconds()).isEqualTo(10);
  }

  @Test
  void anOpaquePortIsOpaque() {
    assertThat(policy(3306, Map.of()).getProtocol().hasOpaque()).isTrue();
  }

  @Test
  void failureAccrualComesFromTheAnnotationsWithLinkerdsDefaults() {
    FailureAccrual defaults = policy(80, Map.of(OutboundPolicyView.FAILURE_ACCRUAL, "consecutive"))
        .getProtocol().getDetect().getHttp1().getFailureAccrual();
    assertThat(defaults.getConsecutiveFailures().getMaxFailures()).isEqualTo(7);
    assertThat(defaults.getConsecutiveFailures().getBackoff().getMinBackoff().getSeconds()).isEqualTo(1);
    assertThat(defaults.getConsecutiveFailures().getBackoff().getMaxBackoff().getSeconds()).isEqualTo(60);
    assertThat(defaults.getConsecutiveFailures().getBackoff().getJitterRatio()).isEqualTo(0.5f);

    FailureAccrual tuned = policy(80, Map.of(OutboundPolicyView.FAILURE_ACCRUAL, "consecutive", OutboundPolicyView.MAX_FAILURES, "3",
        OutboundPolicyView.MIN_PENALTY, "500ms", OutboundPolicyView.MAX_PENALTY, "1m30s", OutboundPolicyView.JITTER, "0"))
        .getProtocol().getDetect().getHttp2().getFailureAccrual();
    assertThat(tuned.getConsecutiveFailures().getMaxFailures()).isEqualTo(3);
    assertThat(tuned.getConsecutiveFailures().getBackoff().getMinBackoff().getNanos()).isEqualTo(500_000_000);
    assertThat(tuned.getConsecutiveFailures().getBackoff().getMaxBackoff().getSeconds()).isEqualTo(90);
  }

  @Test
  void annotationsThatCannotBeUsedLeaveTheDefaults() {
    assertThat(policy(80, Map.of(OutboundPolicyView.FAILURE_ACCRUAL, "sometimes")).getProtocol().getDetect().getHttp1()
        .hasFailureAccrual()).isFalse();
    FailureAccrual garbled = policy(80, Map.of(OutboundPolicyView.FAILURE_ACCRUAL, "consecutive", OutboundPolicyView.MAX_FAILURES, "many",
        OutboundPolicyView.MIN_PENALTY, "soon")).getProtocol().getDetect().getHttp1().getFailureAccrual();
    assertThat(garbled.getConsecutiveFailures().getMaxFailures()).isEqualTo(7);
    assertThat(garbled.getConsecutiveFailures().getBackoff().getMinBackoff().getSeconds()).isEqualTo(1);
    FailureAccrual inverted = policy(80, Map.of(OutboundPolicyView.FAILURE_ACCRUAL, "consecutive", OutboundPolicyView.MIN_PENALTY, "5m",
        OutboundPolicyView.MAX_PENALTY, "1s")).getProtocol().getDetect().getHttp1().getFailureAccrual();
    assertThat(inverted.getConsecutiveFailures().getBackoff().getMinBackoff().getSeconds()).isEqualTo(1);
    assertThat(inverted.getConsecutiveFailures().getBackoff().getMaxBackoff().getSeconds()).isEqualTo(60);
  }

  @Test
  void retryAndTimeoutAnnotationsGoOnTheDefaultRoute() {
    var rule = policy(80, Map.of(OutboundPolicyView.RETRY_HTTP, "gateway-error, 429", OutboundPolicyView.RETRY_TIMEOUT, "250ms",
        OutboundPolicyView.TIMEOUT_REQUEST, "2s")).getProtocol().getDetect().getHttp1().getRoutes(0).getRules(0);
    assertThat(rule.getRetry().getMaxRetries()).as("Linkerd's limit when none is given").isEqualTo(1);
    assertThat(rule.getRetry().getConditions().getStatusRangesList())
        .extracting(r -> r.getStart() + "-" + r.getEnd()).containsExactly("502-504", "429-429");
    assertThat(rule.getRetry().getTimeout().getNanos()).isEqualTo(250_000_000);
    assertThat(rule.getRetry().getMaxRequestBytes()).isEqualTo(64 * 1024);
    assertThat(rule.getRetry().getBackoff().getMinBackoff().getNanos()).as("Linkerd's 25 ms to 250 ms").isEqualTo(25_000_000);
    assertThat(rule.getRetry().getBackoff().getMaxBackoff().getNanos()).isEqualTo(250_000_000);
    assertThat(rule.getTimeouts().getRequest().getSeconds()).isEqualTo(2);

    var limitOnly = policy(80, Map.of(OutboundPolicyView.RETRY_LIMIT, "3")).getProtocol().getDetect().getHttp1().getRoutes(0).getRules(0);
    assertThat(limitOnly.getRetry().getMaxRetries()).isEqualTo(3);
    assertThat(limitOnly.getRetry().getConditions().getStatusRanges(0).getStart()).as("5xx by default").isEqualTo(500);

    var garbled = policy(80, Map.of(OutboundPolicyView.RETRY_HTTP, "5xx,teapot")).getProtocol().getDetect().getHttp1().getRoutes(0)
        .getRules(0);
    assertThat(garbled.hasRetry()).as("statuses that cannot be read turn retries off").isFalse();
    assertThat(policy(80, Map.of()).getProtocol().getDetect().getHttp1().getRoutes(0).getRules(0).hasTimeouts()).isFalse();
  }
}
