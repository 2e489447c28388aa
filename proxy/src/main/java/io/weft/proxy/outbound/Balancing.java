package io.weft.proxy.outbound;

import io.linkerd.proxy.destination.WeightedAddr;
import io.linkerd.proxy.outbound.ExponentialBackoff;
import io.linkerd.proxy.outbound.FailureAccrual;
import io.linkerd.proxy.outbound.OutboundPolicy;
import io.linkerd.proxy.outbound.ProxyProtocol;
import io.weft.proxy.config.ProxyConfig;
import io.weft.proxy.discovery.Resolution;
import io.weft.streams.balance.P2cBalancer;

import java.time.Duration;
import java.util.SplittableRandom;

/**
 * How the outbound side balances over a resolution's endpoints: peak-EWMA's default RTT and decay
 * (Linkerd's), and how long an endpoint that refused a connection is skipped.
 */
public record Balancing(Duration defaultRtt, Duration decay, ProxyConfig.Side limits) {
  /** Linkerd's peak-EWMA defaults (the policy controller's BALANCER_DEFAULT_RTT and _RTT_DECAY). */
  public static Balancing linkerds(ProxyConfig.Side limits) {
    return new Balancing(Duration.ofMillis(30), Duration.ofSeconds(10), limits);
  }

  /**
   * The failure accrual a Service's outbound policy asks for (its HTTP protocol's, Linkerd's
   * consecutive-failures kind), or null for none.
   */
  static P2cBalancer.FailureAccrual failureAccrual(OutboundPolicy policy) {
    ProxyProtocol protocol = policy.getProtocol();
    FailureAccrual accrual = switch (protocol.getKindCase()) {
      case DETECT -> protocol.getDetect().getHttp1().getFailureAccrual();
      case HTTP1 -> protocol.getHttp1().getFailureAccrual();
      case HTTP2 -> protocol.getHttp2().getFailureAccrual();
      case GRPC -> protocol.getGrpc().getFailureAccrual();
      default -> FailureAccrual.getDefaultInstance();
    };
    if (!accrual.hasConsecutiveFailures()) {
      return null;
    }
    FailureAccrual.ConsecutiveFailures consecutive = accrual.getConsecutiveFailures();
    ExponentialBackoff backoff = consecutive.getBackoff();
    return new P2cBalancer.FailureAccrual(consecutive.getMaxFailures(), nanos(backoff.getMinBackoff()),
        nanos(backoff.getMaxBackoff()), backoff.getJitterRatio());
  }

  private static long nanos(com.google.protobuf.Duration d) {
    return Duration.ofSeconds(d.getSeconds(), d.getNanos()).toNanos();
  }

  /** A P2C balancer kept to {@code resolution}'s endpoint set as it changes. */
  P2cBalancer<WeightedAddr> following(Resolution resolution) {
    P2cBalancer<WeightedAddr> balancer = new P2cBalancer<>(defaultRtt.toNanos(), decay.toNanos(),
        new P2cBalancer.Backoff(limits.connectBackoffMin().toNanos(), limits.connectBackoffMax().toNanos()), System::nanoTime,
        new SplittableRandom());
    resolution.subscribe(balancer::update);
    return balancer;
  }
}
