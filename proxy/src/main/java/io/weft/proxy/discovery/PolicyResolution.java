package io.weft.proxy.discovery;

import io.linkerd.proxy.outbound.OutboundPolicy;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * A Service's outbound policy, kept current from its {@code OutboundPolicies.Watch} stream. Each
 * answer replaces the last whole; after a reconnect the policy known stays in use.
 */
public final class PolicyResolution extends Followed {
  private volatile Optional<OutboundPolicy> current = Optional.empty();
  private final List<Consumer<OutboundPolicy>> subscribers = new CopyOnWriteArrayList<>();

  /** The latest policy; empty until the control plane has answered. */
  public Optional<OutboundPolicy> current() {
    return current;
  }

  /** {@code subscriber} gets the policy now (when there is one) and every new one, on the stream's thread. */
  public synchronized void subscribe(Consumer<OutboundPolicy> subscriber) {
    subscribers.add(subscriber);
    current.ifPresent(subscriber);
  }

  @Override
  void reconnected() {
    // Each answer is the whole policy: nothing to clear.
  }

  synchronized void apply(OutboundPolicy policy) {
    current = Optional.of(policy);
    subscribers.forEach(s -> s.accept(policy));
    markAnswered();
  }
}
