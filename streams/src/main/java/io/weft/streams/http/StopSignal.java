package io.weft.streams.http;

/**
 * How a server's connections hear that it is stopping gracefully: each answers what it has taken,
 * takes nothing more and closes — an HTTP/1 connection behind the answer in hand (at once when
 * idle), an HTTP/2 one with GOAWAY once its open streams are done — so a client's next request goes
 * to a server that still takes them, and nothing in flight is cut.
 */
@FunctionalInterface
public interface StopSignal {
  /** A server that is never told to stop: its connections end when their clients end them. */
  StopSignal NEVER = whenStopping -> () -> {};

  /**
   * Runs {@code whenStopping} once the server stops (at once if it has); closing the result forgets
   * it, for a connection that ended first.
   */
  Subscription subscribe(Runnable whenStopping);

  /** One connection's interest in the stop. */
  @FunctionalInterface
  interface Subscription extends AutoCloseable {
    @Override
    void close();
  }
}
