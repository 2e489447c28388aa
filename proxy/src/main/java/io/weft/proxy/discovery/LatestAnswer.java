package io.weft.proxy.discovery;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * What a stream of whole answers says about an authority now — its profile ({@code GetProfile}),
 * its outbound policy ({@code OutboundPolicies.Watch}). Each answer replaces the last whole; after a
 * reconnect the answer known stays in use until the control plane answers again.
 *
 * @param <T> the answer's message type
 */
public final class LatestAnswer<T> extends Followed {
  private volatile Optional<T> current = Optional.empty();
  private final List<Consumer<T>> subscribers = new CopyOnWriteArrayList<>();

  /** The latest answer; empty until the control plane has answered. */
  public Optional<T> current() {
    return current;
  }

  /** {@code subscriber} gets the answer now (when there is one) and every new one, on the stream's thread. */
  public synchronized void subscribe(Consumer<T> subscriber) {
    subscribers.add(subscriber);
    current.ifPresent(subscriber);
  }

  @Override
  void reconnected() {
    // Each answer is whole: nothing to clear.
  }

  synchronized void apply(T answer) {
    current = Optional.of(answer);
    subscribers.forEach(s -> s.accept(answer));
    markAnswered();
  }
}
