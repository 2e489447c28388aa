package io.weft.proxy.outbound;

import io.linkerd.proxy.destination.WeightedAddr;
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

  /** A P2C balancer kept to {@code resolution}'s endpoint set as it changes. */
  P2cBalancer<WeightedAddr> following(Resolution resolution) {
    P2cBalancer<WeightedAddr> balancer = new P2cBalancer<>(defaultRtt.toNanos(), decay.toNanos(),
        new P2cBalancer.Backoff(limits.connectBackoffMin().toNanos(), limits.connectBackoffMax().toNanos()), System::nanoTime,
        new SplittableRandom());
    resolution.subscribe(balancer::update);
    return balancer;
  }
}
