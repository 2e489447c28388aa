package io.weft.proxy.outbound;

import com.typesafe.config.Config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Destinations whose server spoke first, remembered for a while: their next connections are relayed
 * as opaque at once, connecting while the client waits, with no detection and no quiet period — so
 * only a destination's first connection pays the probe. A memory past its time is forgotten (the
 * destination is probed again); when full, nothing new is remembered until entries expire.
 */
public final class ServerFirstMemory {
  /** {@code remember}: how long; {@code entries}: how many destinations at most (0 turns it off). */
  public record Settings(Duration remember, int entries) {
    /** From {@code weft.proxy.detect.server-first}. */
    public static Settings from(Config config) {
      return new Settings(config.getDuration("remember"), config.getInt("remembered-destinations"));
    }
  }

  private final Settings settings;
  private final LongSupplier nanoClock;
  private final Map<InetSocketAddress, Long> learnedAt = new ConcurrentHashMap<>();

  ServerFirstMemory(Settings settings, LongSupplier nanoClock) {
    this.settings = settings;
    this.nanoClock = nanoClock;
  }

  /** The server at {@code destination} spoke before its client. */
  void learned(InetSocketAddress destination) {
    long now = nanoClock.getAsLong();
    if (learnedAt.size() >= settings.entries()) {
      learnedAt.values().removeIf(at -> expired(at, now));
    }
    if (learnedAt.size() < settings.entries()) {
      learnedAt.put(destination, now);
    }
  }

  /** Whether {@code destination}'s server is known to speak first. */
  boolean remembers(InetSocketAddress destination) {
    Long at = learnedAt.get(destination);
    if (at == null) {
      return false;
    }
    if (expired(at, nanoClock.getAsLong())) {
      learnedAt.remove(destination, at);
      return false;
    }
    return true;
  }

  private boolean expired(long at, long now) {
    return now - at > settings.remember().toNanos();
  }
}
