package io.weft.streams.retry;

import java.time.Duration;
import java.util.function.LongSupplier;

/**
 * How many retries a service may make, as Linkerd budgets them: over a sliding window of
 * {@code ttl}, retries may number {@code ratio} of the requests plus {@code minPerSecond} for each
 * second the window covers (at least one second's worth, so a quiet service can still retry its
 * first failure). Unlike a fixed reserve, the free retries accrue with time, so a service that
 * fails everything from its first request adds no more than {@code ratio} + {@code minPerSecond}
 * a second of load at any point, not just on average over the window.
 */
public final class RetryBudget {
  /** The window is kept in this many slots; it slides one slot at a time. */
  private static final int SLOTS = 10;
  private static final double NANOS_PER_SECOND = 1e9;

  private final double ratio;
  private final double minPerSecond;
  private final long ttlNanos;
  private final long slotNanos;
  private final LongSupplier nanoClock;
  private final long start;
  private final long[] deposits = new long[SLOTS];
  private final long[] withdrawals = new long[SLOTS];
  private long slot;

  public RetryBudget(double ratio, double minPerSecond, Duration ttl) {
    this(ratio, minPerSecond, ttl, System::nanoTime);
  }

  /** {@code nanoClock}: tests pass their own. */
  public RetryBudget(double ratio, double minPerSecond, Duration ttl, LongSupplier nanoClock) {
    if (ratio < 0 || minPerSecond < 0 || ttl.isNegative() || ttl.isZero()) {
      throw new IllegalArgumentException("a retry budget needs a ratio and a minimum of at least 0 and a positive ttl, not "
          + ratio + ", " + minPerSecond + ", " + ttl);
    }
    this.ratio = ratio;
    this.minPerSecond = minPerSecond;
    this.ttlNanos = ttl.toNanos();
    this.slotNanos = Math.max(1, ttlNanos / SLOTS);
    this.nanoClock = nanoClock;
    this.start = nanoClock.getAsLong();
  }

  /** A request that may be retried was sent: it adds {@code ratio} of a retry to the budget. */
  public synchronized void deposit() {
    deposits[advance()]++;
  }

  /** Spends one retry if the budget has it. */
  public synchronized boolean tryWithdraw() {
    long now = nanoClock.getAsLong();
    int current = advance(now);
    long requests = 0;
    long retries = 0;
    for (int i = 0; i < SLOTS; i++) {
      requests += deposits[i];
      retries += withdrawals[i];
    }
    double covered = Math.min(ttlNanos, Math.max(now - start, (long) NANOS_PER_SECOND)) / NANOS_PER_SECOND;
    if (retries + 1 > requests * ratio + minPerSecond * covered) {
      return false;
    }
    withdrawals[current]++;
    return true;
  }

  private int advance() {
    return advance(nanoClock.getAsLong());
  }

  /** Moves the window to {@code now}, emptying the slots it left behind; the current slot's index. */
  private int advance(long now) {
    long target = (now - start) / slotNanos;
    for (long s = Math.max(slot + 1, target - SLOTS + 1); s <= target; s++) {
      int i = (int) (s % SLOTS);
      deposits[i] = 0;
      withdrawals[i] = 0;
    }
    slot = Math.max(slot, target);
    return (int) (slot % SLOTS);
  }
}
