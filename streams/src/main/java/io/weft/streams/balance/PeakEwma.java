package io.weft.streams.balance;

import java.util.function.LongSupplier;

/**
 * Peak-EWMA load of one endpoint, as Linkerd's balancer estimates it: an RTT average that jumps
 * up at once to any slower sample (the peak) and decays towards faster ones and, while idle,
 * towards zero, multiplied by the requests in flight plus one. A slow or busy endpoint looks
 * expensive immediately and is probed again only after it has had time to recover.
 */
public final class PeakEwma {
  private final LongSupplier nanoClock;
  private final double decayNanos;
  private double rttNanos;
  private long updatedAt;
  private int pending;

  /**
   * @param defaultRttNanos the estimate before any response (Linkerd: 30 ms)
   * @param decayNanos      how long a sample's influence lasts (Linkerd: 10 s)
   */
  public PeakEwma(long defaultRttNanos, long decayNanos, LongSupplier nanoClock) {
    this.nanoClock = nanoClock;
    this.decayNanos = decayNanos;
    this.rttNanos = defaultRttNanos;
    this.updatedAt = nanoClock.getAsLong();
  }

  /** The current cost: the decayed RTT estimate times (in-flight + 1). */
  public synchronized double load() {
    return decayTo(nanoClock.getAsLong(), 0) * (pending + 1);
  }

  /** A request was dispatched to this endpoint. Returns when it was sent, for {@link #completed}. */
  public synchronized long started() {
    pending++;
    return nanoClock.getAsLong();
  }

  /** The request sent at {@code sentAt} got its first response bytes (the RTT sample point). */
  public synchronized void completed(long sentAt) {
    pending--;
    long now = nanoClock.getAsLong();
    decayTo(now, now - sentAt);
  }

  /** The request sent at {@code sentAt} ended without a response; only the in-flight count changes. */
  public synchronized void abandoned() {
    pending--;
  }

  public synchronized int pending() {
    return pending;
  }

  private double decayTo(long now, long sampleNanos) {
    if (sampleNanos > rttNanos) {
      rttNanos = sampleNanos; // the peak: slower news is believed at once
    } else {
      double elapsed = Math.max(0, now - updatedAt);
      double decay = Math.exp(-elapsed / decayNanos);
      rttNanos = rttNanos * decay + sampleNanos * (1 - decay);
    }
    updatedAt = now;
    return rttNanos;
  }
}
