package io.weft.streams.queue;

import java.time.Duration;

/** Schedules a task; the proxy passes Pekko's scheduler, tests a virtual clock. */
@FunctionalInterface
public interface Timer {
  /** Runs {@code task} after {@code delay}; the returned handle cancels it. */
  Runnable schedule(Duration delay, Runnable task);
}
