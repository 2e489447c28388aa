package io.weft.proxy.policy;

import io.linkerd.proxy.inbound.HttpLocalRateLimit;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * A Server's HTTPLocalRateLimitPolicy, enforced as Linkerd's proxy does: the total limit first; then
 * an override's limit for the identities it names (shared among them), or else the per-identity
 * limit (clients without an identity share one). Each limit is a lock-free GCRA meter that lets
 * {@code burst} of its rate pass at once, so over any window the admitted count stays within a
 * burst of the rate (Linkerd's meters let a whole second's worth through at once).
 */
public final class RateLimit {
  public static final RateLimit NONE = new RateLimit("", "", "", null, 0, Map.of(), Duration.ZERO, System::nanoTime);

  /** Which limit refused a request: Linkerd's {@code ratelimit_scope} label. */
  public enum Scope {
    TOTAL("total"), IDENTITY("identity"), OVERRIDE("override");

    private final String label;

    Scope(String label) {
      this.label = label;
    }

    public String label() {
      return label;
    }
  }

  private final String group;
  private final String kind;
  private final String name;
  private final Meter total;
  private final int perIdentity;
  private final Map<String, Meter> overrides;
  private final Map<String, Meter> identities = new ConcurrentHashMap<>();
  private final Duration burst;
  private final LongSupplier clock;

  private RateLimit(String group, String kind, String name, Meter total, int perIdentity, Map<String, Meter> overrides, Duration burst,
                    LongSupplier clock) {
    this.group = group;
    this.kind = kind;
    this.name = name;
    this.total = total;
    this.perIdentity = perIdentity;
    this.overrides = overrides;
    this.burst = burst;
    this.clock = clock;
  }

  /** {@code limit} as served, each meter letting {@code burst} of its rate through at once; {@code clock} in nanoseconds. */
  public static RateLimit of(HttpLocalRateLimit limit, Duration burst, LongSupplier clock) {
    boolean resource = limit.getMetadata().hasResource();
    Meter total = limit.getTotal().getRequestsPerSecond() > 0 ? new Meter(limit.getTotal().getRequestsPerSecond(), burst, clock) : null;
    Map<String, Meter> overrides = new HashMap<>();
    for (HttpLocalRateLimit.Override o : limit.getOverridesList()) {
      if (o.getLimit().getRequestsPerSecond() > 0) {
        Meter shared = new Meter(o.getLimit().getRequestsPerSecond(), burst, clock);
        o.getClients().getIdentitiesList().forEach(id -> overrides.putIfAbsent(id.getName(), shared));
      }
    }
    return new RateLimit(resource ? limit.getMetadata().getResource().getGroup() : "",
        resource ? limit.getMetadata().getResource().getKind() : "default",
        resource ? limit.getMetadata().getResource().getName() : limit.getMetadata().getDefault(), total,
        limit.getIdentity().getRequestsPerSecond(), Map.copyOf(overrides), burst, clock);
  }

  public String group() { return group; }

  public String kind() { return kind; }

  public String name() { return name; }

  /** Whether any limit applies. */
  public boolean limits() {
    return total != null || perIdentity > 0 || !overrides.isEmpty();
  }

  /** Takes a request from {@code identity} (empty: none) into account: the limit that refuses it, or null if it may pass. */
  public Scope refusal(String identity) {
    long now = clock.getAsLong();
    if (total != null && !total.admit(now)) {
      return Scope.TOTAL;
    }
    Meter override = identity.isEmpty() ? null : overrides.get(identity);
    if (override != null) {
      return override.admit(now) ? null : Scope.OVERRIDE;
    }
    if (perIdentity > 0 && !identities.computeIfAbsent(identity, id -> new Meter(perIdentity, burst, clock)).admit(now)) {
      return Scope.IDENTITY;
    }
    return null;
  }

  /**
   * The generic cell rate algorithm: a request is admitted unless the theoretical arrival time is
   * more than the burst tolerance ahead of now; each admitted one moves it on by one interval.
   */
  private static final class Meter {
    private final long interval;
    private final long tolerance;
    private final AtomicLong arrival;

    Meter(int perSecond, Duration burst, LongSupplier clock) {
      interval = Duration.ofSeconds(1).toNanos() / perSecond;
      long size = Math.max(1, burst.toNanos() / interval);
      tolerance = (size - 1) * interval;
      arrival = new AtomicLong(clock.getAsLong());
    }

    boolean admit(long now) {
      while (true) {
        long at = arrival.get();
        long from = at - now > 0 ? at : now;
        if (from - now > tolerance) {
          return false;
        }
        if (arrival.compareAndSet(at, from + interval)) {
          return true;
        }
      }
    }
  }
}
