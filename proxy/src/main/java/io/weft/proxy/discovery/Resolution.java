package io.weft.proxy.discovery;

import io.linkerd.proxy.destination.Update;
import io.linkerd.proxy.destination.WeightedAddr;
import io.weft.protocol.net.TcpAddresses;
import io.weft.streams.balance.P2cBalancer;
import io.weft.streams.queue.FailfastQueue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * What the proxy knows about one authority, kept current from its Destination stream: the
 * endpoints (balanced by P2C), whether the service exists, and the queue that fails fast while no
 * endpoint is ready. After a reconnect the old endpoints stay in use until the first new message
 * replaces them, as the Destination contract allows.
 */
public final class Resolution {
  private final P2cBalancer<WeightedAddr> balancer;
  private final FailfastQueue queue;
  private final Map<String, WeightedAddr> endpoints = new LinkedHashMap<>();
  private boolean replaceOnNext;
  private volatile Optional<Boolean> exists = Optional.empty();
  private volatile Map<String, String> serviceLabels = Map.of();
  private final CompletableFuture<Void> answered = new CompletableFuture<>();
  private volatile long lastUsed;

  Resolution(P2cBalancer<WeightedAddr> balancer, FailfastQueue queue) {
    this.balancer = balancer;
    this.queue = queue;
  }

  public P2cBalancer<WeightedAddr> balancer() {
    return balancer;
  }

  public FailfastQueue queue() {
    return queue;
  }

  /** Empty until the control plane has answered; false when the service does not exist (fall back to DNS). */
  public Optional<Boolean> exists() {
    return exists;
  }

  void touch(long now) {
    lastUsed = now;
  }

  /** Unused since before {@code cutoff} (on the discovery's clock) and with no request in flight. */
  boolean idleSince(long cutoff) {
    return lastUsed - cutoff < 0 && queue.inFlight() == 0;
  }

  /** The labels the control plane gives the whole set (namespace, service), for metrics. */
  public Map<String, String> serviceLabels() {
    return serviceLabels;
  }

  /** Completes with the control plane's first answer about this authority. */
  public CompletionStage<Void> answered() {
    return answered;
  }

  public synchronized Map<String, WeightedAddr> endpoints() {
    return Map.copyOf(endpoints);
  }

  /** The stream (re)connected: the next message is the whole state. */
  synchronized void reconnected() {
    replaceOnNext = true;
  }

  synchronized void apply(Update update) {
    if (replaceOnNext && (update.hasAdd() || update.hasNoEndpoints())) {
      endpoints.clear();
    }
    replaceOnNext = false;
    switch (update.getUpdateCase()) {
      case ADD -> {
        exists = Optional.of(true);
        serviceLabels = Map.copyOf(update.getAdd().getMetricLabelsMap());
        update.getAdd().getAddrsList().forEach(a -> endpoints.put(TcpAddresses.format(a.getAddr()), a));
      }
      case REMOVE -> update.getRemove().getAddrsList().forEach(a -> endpoints.remove(TcpAddresses.format(a)));
      case NO_ENDPOINTS -> {
        endpoints.clear();
        exists = Optional.of(update.getNoEndpoints().getExists());
      }
      default -> { }
    }
    balancer.update(endpoints.values());
    queue.readiness(!endpoints.isEmpty());
    answered.complete(null);
  }
}
