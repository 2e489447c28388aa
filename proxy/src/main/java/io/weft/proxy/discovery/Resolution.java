package io.weft.proxy.discovery;

import io.linkerd.proxy.destination.Update;
import io.linkerd.proxy.destination.WeightedAddr;
import io.weft.protocol.net.TcpAddresses;

import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * What the proxy knows about one authority, kept current from its Destination stream: its
 * endpoints, whether the service exists, and its metric labels. It only produces endpoint sets;
 * whoever balances over them subscribes. After a reconnect the old endpoints stay in use until the
 * first new message replaces them, as the Destination contract allows.
 */
public final class Resolution {
  private final Map<String, WeightedAddr> endpoints = new LinkedHashMap<>();
  private volatile List<WeightedAddr> current = List.of();
  private final List<Consumer<List<WeightedAddr>>> subscribers = new CopyOnWriteArrayList<>();
  private boolean replaceOnNext;
  private volatile Optional<Boolean> exists = Optional.empty();
  private volatile Map<String, String> serviceLabels = Map.of();
  private final CompletableFuture<Void> answered = new CompletableFuture<>();
  private final CompletableFuture<Void> dropped = new CompletableFuture<>();
  private final AtomicInteger held = new AtomicInteger();
  private volatile long lastUsed;

  /** Empty until the control plane has answered; false when the service does not exist (fall back to DNS). */
  public Optional<Boolean> exists() {
    return exists;
  }

  void touch(long now) {
    lastUsed = now;
  }

  /** A request is using the endpoints: the resolution is kept however long it takes. */
  public void hold() {
    held.incrementAndGet();
  }

  public void release() {
    held.decrementAndGet();
  }

  /** Unused since before {@code cutoff} (on the discovery's clock) and with no request holding it. */
  boolean idleSince(long cutoff) {
    return lastUsed - cutoff < 0 && held.get() == 0;
  }

  /** The labels the control plane gives the whole set (namespace, service), for metrics. */
  public Map<String, String> serviceLabels() {
    return serviceLabels;
  }

  /** Completes with the control plane's first answer about this authority. */
  public CompletionStage<Void> answered() {
    return answered;
  }

  /**
   * Completes with the first answer, or after {@code wait} without one: a new authority is given
   * that long before it is taken for something the control plane does not know (and once that
   * wait has passed, nobody waits for it again).
   */
  public CompletionStage<Void> answeredWithin(Duration wait) {
    return answered.completeOnTimeout(null, wait.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Completes when discovery stops following the authority; subscribers let go of it then. */
  public CompletionStage<Void> dropped() {
    return dropped;
  }

  void drop() {
    dropped.complete(null);
  }

  /** The endpoints now, keyed by address. */
  public synchronized Map<String, WeightedAddr> endpoints() {
    return Map.copyOf(endpoints);
  }

  /** {@code subscriber} gets the endpoint set now and after every change, on the stream's thread. */
  public void subscribe(Consumer<List<WeightedAddr>> subscriber) {
    subscribers.add(subscriber);
    subscriber.accept(current);
  }

  /** The stream (re)connected: the next message is the whole state. */
  synchronized void reconnected() {
    replaceOnNext = true;
  }

  void apply(Update update) {
    List<WeightedAddr> next;
    synchronized (this) {
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
      next = List.copyOf(endpoints.values());
      current = next;
    }
    subscribers.forEach(s -> s.accept(next));
    answered.complete(null);
  }
}
