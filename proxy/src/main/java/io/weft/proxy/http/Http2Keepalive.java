package io.weft.proxy.http;

import java.time.Duration;
import java.util.Optional;

/**
 * How often an HTTP/2 server pings a connection that has been quiet, and how long it waits for the
 * answer before closing it (a client that went away without a FIN); unset: never.
 */
public record Http2Keepalive(Optional<Duration> interval, Optional<Duration> timeout) {
  public static final Http2Keepalive NONE = new Http2Keepalive(Optional.empty(), Optional.empty());

  /**
   * The timeout Pekko's server can run: it waits for the answer in steps that must divide the
   * interval evenly and be shorter than it, so the longest such step no longer than the one asked
   * for (Linkerd's 10 s interval and 3 s timeout: 2.5 s). Empty without pings.
   */
  public Optional<Duration> pekkoTimeout() {
    if (interval.isEmpty() || timeout.isEmpty() || interval.get().toMillis() <= 0 || timeout.get().toMillis() <= 0) {
      return Optional.empty();
    }
    long every = interval.get().toMillis();
    long asked = timeout.get().toMillis();
    for (long parts = Math.max(2, (every + asked - 1) / asked); parts < every; parts++) {
      if (every % parts == 0) {
        return Optional.of(Duration.ofMillis(every / parts));
      }
    }
    return Optional.of(Duration.ofMillis(1));
  }
}
