package io.weft.proxy.discovery;

import io.linkerd.proxy.destination.Update;
import io.linkerd.proxy.destination.WeightedAddr;
import io.weft.protocol.net.TcpAddresses;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What the proxy knows about one authority, kept current from its Destination stream: its
 * endpoints, whether the service exists, and its metric labels. It only produces endpoint sets;
 * whoever balances over them subscribes. After a reconnect the old endpoints stay in use until the
 * first new message replaces them, as the Destination contract allows.
 */
public final class Resolution extends Followed {
  private static final String SERVICE_LABEL = "service";
  private final Map<String, WeightedAddr> endpoints = new LinkedHashMap<>();
  private volatile List<WeightedAddr> current = List.of();
  private final List<Consumer<List<WeightedAddr>>> subscribers = new CopyOnWriteArrayList<>();
  private boolean replaceOnNext;
  private volatile Optional<Boolean> exists = Optional.empty();
  private volatile Map<String, String> serviceLabels = Map.of();

  /** Empty until the control plane has answered; false when the service does not exist (fall back to DNS). */
  public Optional<Boolean> exists() {
    return exists;
  }

  /** The labels the control plane gives the whole set (namespace, service), for metrics. */
  public Map<String, String> serviceLabels() {
    return serviceLabels;
  }

  /** Whether the endpoints are a Service's (the control plane labels a Service's set; a pod's address has none). */
  public boolean isService() {
    return serviceLabels.containsKey(SERVICE_LABEL);
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

  @Override
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
    markAnswered();
  }
}
