package io.weft.streams.balance;

import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.LongSupplier;
import java.util.random.RandomGenerator;

/**
 * Power of two choices over peak-EWMA load: pick two distinct endpoints at random and send to the
 * cheaper one. Endpoints come and go with discovery; one that is removed keeps its load estimate
 * for the requests still in flight on it but is never picked again.
 *
 * @param <E> what identifies an endpoint (an address, with its metadata)
 */
public final class P2cBalancer<E> {
  /** An endpoint with its load. */
  public static final class Endpoint<E> {
    private final E id;
    private final PeakEwma load;

    Endpoint(E id, PeakEwma load) {
      this.id = id;
      this.load = load;
    }

    public E id() {
      return id;
    }

    public PeakEwma load() {
      return load;
    }
  }

  private final long defaultRttNanos;
  private final long decayNanos;
  private final LongSupplier nanoClock;
  private final RandomGenerator random;
  private final Map<E, Endpoint<E>> endpoints = new LinkedHashMap<>();
  private List<Endpoint<E>> ready = List.of();

  public P2cBalancer(long defaultRttNanos, long decayNanos, LongSupplier nanoClock, RandomGenerator random) {
    this.defaultRttNanos = defaultRttNanos;
    this.decayNanos = decayNanos;
    this.nanoClock = nanoClock;
    this.random = random;
  }

  /** Replaces the endpoint set; endpoints that stay keep their load estimates. */
  public synchronized void update(Collection<E> current) {
    Map<E, Endpoint<E>> next = new LinkedHashMap<>();
    for (E id : current) {
      Endpoint<E> existing = endpoints.get(id);
      next.put(id, existing != null ? existing : new Endpoint<>(id, new PeakEwma(defaultRttNanos, decayNanos, nanoClock)));
    }
    endpoints.clear();
    endpoints.putAll(next);
    ready = List.copyOf(new ArrayList<>(next.values()));
  }

  /** The endpoint to use for the next request, or empty when there is none. */
  public Optional<Endpoint<E>> pick() {
    List<Endpoint<E>> candidates = ready; // an immutable snapshot: no lock on the hot path
    int n = candidates.size();
    if (n == 0) {
      return Optional.empty();
    }
    if (n == 1) {
      return Optional.of(candidates.getFirst());
    }
    int a = random.nextInt(n);
    int b = random.nextInt(n - 1);
    if (b >= a) {
      b++; // two distinct endpoints, uniformly
    }
    Endpoint<E> first = candidates.get(a);
    Endpoint<E> second = candidates.get(b);
    return Optional.of(second.load.load() < first.load.load() ? second : first);
  }

  public int size() {
    return ready.size();
  }
}
