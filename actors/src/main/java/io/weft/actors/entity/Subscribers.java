package io.weft.actors.entity;

import org.apache.pekko.actor.typed.ActorRef;

import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.function.IntFunction;

/**
 * An entity's subscribers, each interested in one port, and the value each port was last sent.
 * A value is computed once per port and shared by all of that port's subscribers.
 */
final class Subscribers<T> {
  private final Map<ActorRef<Delivery<T>>, Integer> ports = new HashMap<>();
  private final Map<Integer, T> sent = new HashMap<>();

  /**
   * A new subscriber gets what its port's subscribers were last sent (computed only for a port
   * nobody watched): one value object per port and change, so whatever a stream derives from it
   * (its diffs, its first message) can be shared by every stream of the port.
   */
  void add(ActorRef<Delivery<T>> subscriber, int port, IntFunction<T> compute, ActorRef<?> self) {
    ports.put(subscriber, port);
    T current = sent.computeIfAbsent(port, compute::apply);
    subscriber.tell(new Delivery<>(self, current));
  }

  void remove(ActorRef<?> subscriber) {
    Integer port = ports.remove(subscriber);
    if (port != null && !ports.containsValue(port)) {
      sent.remove(port);
    }
  }

  boolean isEmpty() {
    return ports.isEmpty();
  }

  /** Recomputes every port in use and pushes the ports whose value changed. */
  void refresh(IntFunction<T> compute, ActorRef<?> self) {
    for (Map.Entry<Integer, T> entry : sent.entrySet()) {
      T now = compute.apply(entry.getKey());
      if (!Objects.equals(now, entry.getValue())) {
        entry.setValue(now);
        Delivery<T> delivery = new Delivery<>(self, now);
        ports.forEach((subscriber, port) -> {
          if (port.equals(entry.getKey())) {
            subscriber.tell(delivery);
          }
        });
      }
    }
  }
}
