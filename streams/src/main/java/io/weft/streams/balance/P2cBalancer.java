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
 * for the requests still in flight on it but is never picked again. An endpoint that cannot be
 * connected to is skipped for a backoff that doubles with each consecutive failure (as Linkerd's
 * reconnect backoff), so a dead pod that discovery still lists costs no further requests.
 *
 * @param <E> what identifies an endpoint (an address, with its metadata)
 */
public final class P2cBalancer<E> {
  /** An endpoint with its load, and whether it is skipped for now (unreachable, or ejected by failure accrual). */
  public static final class Endpoint<E> {
    private final E id;
    private final PeakEwma load;
    private final Backoff backoff;
    private final LongSupplier nanoClock;
    private final P2cBalancer<E> balancer;
    private volatile long unreachableUntil;
    private int consecutiveFailures;
    private volatile long ejectedUntil;
    private int failedAnswers;
    private int ejections;

    Endpoint(E id, PeakEwma load, Backoff backoff, LongSupplier nanoClock, P2cBalancer<E> balancer) {
      this.id = id;
      this.load = load;
      this.backoff = backoff;
      this.nanoClock = nanoClock;
      this.balancer = balancer;
    }

    /**
     * An answer came back (or none did): with failure accrual on, {@code maxFailures} failures in a
     * row eject the endpoint for a penalty that doubles with each ejection (jittered, up to the
     * maximum). Once the penalty is over the endpoint is tried again: one more failure ejects it
     * again, a success restores it.
     */
    public void answered(boolean failure) {
      FailureAccrual accrual = balancer.accrual;
      if (accrual == null) {
        return; // no breaker on this Service: nothing to count, no lock on the request path
      }
      synchronized (this) {
        accrue(accrual, failure);
      }
    }

    private void accrue(FailureAccrual accrual, boolean failure) {
      if (!failure) {
        failedAnswers = 0;
        ejections = 0;
        return;
      }
      if (++failedAnswers < accrual.maxFailures()) {
        return;
      }
      long penalty = Math.min(accrual.maxPenaltyNanos(), accrual.minPenaltyNanos() << Math.min(ejections, MAX_DOUBLINGS));
      long jitter = (long) (penalty * accrual.jitterRatio() * java.util.concurrent.ThreadLocalRandom.current().nextDouble());
      ejections++;
      ejectedUntil = nanoClock.getAsLong() + Math.min(accrual.maxPenaltyNanos(), penalty + jitter);
    }

    /** Ejected by failure accrual until its penalty is over (and while the Service keeps its breaker). */
    public boolean ejected() {
      long until = ejectedUntil;
      return until != 0 && balancer.accrual != null && nanoClock.getAsLong() - until < 0;
    }

    /** A connection to it failed: skip it until the backoff has passed. */
    public synchronized void unreachable() {
      long delay = Math.min(backoff.maxNanos(), backoff.minNanos() << Math.min(consecutiveFailures, MAX_DOUBLINGS));
      consecutiveFailures++;
      unreachableUntil = nanoClock.getAsLong() + delay;
    }

    /** It answered: use it again at once. */
    public synchronized void reachable() {
      consecutiveFailures = 0;
      unreachableUntil = 0;
    }

    boolean available(long now) {
      long until = unreachableUntil;
      long ejected = ejectedUntil;
      return (until == 0 || now - until >= 0) && (ejected == 0 || balancer.accrual == null || now - ejected >= 0);
    }

    public E id() {
      return id;
    }

    public PeakEwma load() {
      return load;
    }
  }

  /** How long an unreachable endpoint is skipped: {@code min} doubling per failure, at most {@code max}. */
  public record Backoff(long minNanos, long maxNanos) {}

  /**
   * Linkerd's consecutive-failures accrual ({@code balancer.linkerd.io/failure-accrual:
   * consecutive}): after {@code maxFailures} failed answers in a row an endpoint is ejected for a
   * penalty from {@code minPenaltyNanos} doubling to {@code maxPenaltyNanos}, plus up to
   * {@code jitterRatio} of it at random.
   */
  public record FailureAccrual(int maxFailures, long minPenaltyNanos, long maxPenaltyNanos, double jitterRatio) {}

  /** Enough doublings to reach any sane maximum without overflowing. */
  private static final int MAX_DOUBLINGS = 30;

  private final long defaultRttNanos;
  private final Backoff backoff;
  private final long decayNanos;
  private final LongSupplier nanoClock;
  private final RandomGenerator random;
  private final Map<E, Endpoint<E>> endpoints = new LinkedHashMap<>();
  private List<Endpoint<E>> ready = List.of();
  private volatile FailureAccrual accrual;

  public P2cBalancer(long defaultRttNanos, long decayNanos, Backoff backoff, LongSupplier nanoClock, RandomGenerator random) {
    this.defaultRttNanos = defaultRttNanos;
    this.backoff = backoff;
    this.decayNanos = decayNanos;
    this.nanoClock = nanoClock;
    this.random = random;
  }

  /** Turns failure accrual on with {@code accrual}, or off with null (as the destination's policy says). */
  public void failureAccrual(FailureAccrual accrual) {
    this.accrual = accrual;
  }

  /** Replaces the endpoint set; endpoints that stay keep their load estimates. */
  public synchronized void update(Collection<E> current) {
    Map<E, Endpoint<E>> next = new LinkedHashMap<>();
    for (E id : current) {
      Endpoint<E> existing = endpoints.get(id);
      next.put(id, existing != null ? existing : new Endpoint<>(id, new PeakEwma(defaultRttNanos, decayNanos, nanoClock), backoff, nanoClock, this));
    }
    endpoints.clear();
    endpoints.putAll(next);
    ready = List.copyOf(new ArrayList<>(next.values()));
  }

  /**
   * The endpoint to use for the next request, or empty when there is none. Unreachable endpoints
   * are passed over while any other is available; when none is, the pick is made among all.
   */
  public Optional<Endpoint<E>> pick() {
    return pickAvoiding(null);
  }

  /**
   * As {@link #pick()}, but passing over {@code failed} (an endpoint a request just failed on, to be
   * sent again) while any other endpoint is available.
   */
  public Optional<Endpoint<E>> pickAvoiding(Endpoint<E> failed) {
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
    long now = nanoClock.getAsLong();
    boolean firstUp = first != failed && first.available(now);
    boolean secondUp = second != failed && second.available(now);
    if (firstUp && secondUp) {
      return Optional.of(second.load.load() < first.load.load() ? second : first);
    }
    if (firstUp || secondUp) {
      return Optional.of(firstUp ? first : second);
    }
    // Both are backing off: any available endpoint, starting at a random place so none is favoured.
    for (int i = 0; i < n; i++) {
      Endpoint<E> next = candidates.get((a + i) % n);
      if (next != failed && next.available(now)) {
        return Optional.of(next);
      }
    }
    return Optional.of(second.load.load() < first.load.load() ? second : first);
  }

  public int size() {
    return ready.size();
  }
}
