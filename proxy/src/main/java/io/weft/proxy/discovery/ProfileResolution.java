package io.weft.proxy.discovery;

import io.linkerd.proxy.destination.DestinationProfile;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * An authority's profile, kept current from its {@code GetProfile} stream: routes, retry budget,
 * traffic split, opaqueness. Each answer replaces the last whole; after a reconnect the profile
 * known stays in use until the control plane answers again.
 */
public final class ProfileResolution extends Followed {
  private volatile Optional<DestinationProfile> current = Optional.empty();
  private final List<Consumer<DestinationProfile>> subscribers = new CopyOnWriteArrayList<>();

  /** The latest profile; empty until the control plane has answered. */
  public Optional<DestinationProfile> current() {
    return current;
  }

  /** {@code subscriber} gets the profile now (when there is one) and every new one, on the stream's thread. */
  public synchronized void subscribe(Consumer<DestinationProfile> subscriber) {
    subscribers.add(subscriber);
    current.ifPresent(subscriber);
  }

  @Override
  void reconnected() {
    // Each answer is the whole profile: nothing to clear.
  }

  synchronized void apply(DestinationProfile profile) {
    current = Optional.of(profile);
    subscribers.forEach(s -> s.accept(profile));
    markAnswered();
  }
}
