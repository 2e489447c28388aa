package io.weft.proxy.route;

import com.google.protobuf.Duration;
import io.linkerd.proxy.http_route.Timeouts;
import io.linkerd.proxy.outbound.ExponentialBackoff;
import io.linkerd.proxy.outbound.HttpRoute;
import io.linkerd.proxy.outbound.OutboundPolicy;
import io.linkerd.proxy.outbound.ProxyProtocol;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class PolicyRouteTest {
  private static Duration ms(int millis) {
    return Duration.newBuilder().setNanos(millis * 1_000_000).build();
  }

  private static OutboundPolicy policy(HttpRoute.Rule rule) {
    return OutboundPolicy.newBuilder().setProtocol(ProxyProtocol.newBuilder().setDetect(ProxyProtocol.Detect.newBuilder()
        .setHttp1(ProxyProtocol.Http1.newBuilder().addRoutes(HttpRoute.newBuilder().addRules(rule))))).build();
  }

  @Test
  void theDefaultRulesRetryAndTimeoutsComeThrough() {
    PolicyRoute route = PolicyRoute.of(policy(HttpRoute.Rule.newBuilder()
        .setTimeouts(Timeouts.newBuilder().setRequest(ms(900)).setResponse(ms(600)))
        .setRetry(HttpRoute.Retry.newBuilder().setMaxRetries(2).setTimeout(ms(100))
            .setConditions(HttpRoute.Retry.Conditions.newBuilder().addStatusRanges(
                HttpRoute.Retry.Conditions.StatusRange.newBuilder().setStart(502).setEnd(504)))
            .setBackoff(ExponentialBackoff.newBuilder().setMinBackoff(ms(25)).setMaxBackoff(ms(250)).setJitterRatio(1f)))
        .build())).orElseThrow();
    assertThat(route.requestTimeout()).as("the sooner of request and response").contains(java.time.Duration.ofMillis(600));
    PolicyRoute.Retry retry = route.retry().orElseThrow();
    assertThat(retry.maxRetries()).isEqualTo(2);
    assertThat(retry.perTry()).contains(java.time.Duration.ofMillis(100));
    PolicyRoute.Backoff backoff = retry.backoff().orElseThrow();
    assertThat(backoff.before(0, 0)).isEqualTo(java.time.Duration.ofMillis(25));
    assertThat(backoff.before(0, 0.5)).isEqualTo(java.time.Duration.ofMillis(37).plusNanos(500_000));
    assertThat(backoff.before(3, 0)).isEqualTo(java.time.Duration.ofMillis(200));
    assertThat(backoff.before(10, 0.9)).as("never past the maximum").isEqualTo(java.time.Duration.ofMillis(250));
  }

  @Test
  void aRuleWithNeitherIsNoRoute() {
    assertThat(PolicyRoute.of(policy(HttpRoute.Rule.getDefaultInstance()))).isEmpty();
    assertThat(PolicyRoute.of(OutboundPolicy.getDefaultInstance())).isEmpty();
  }
}
