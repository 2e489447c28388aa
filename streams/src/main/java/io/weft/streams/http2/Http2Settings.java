package io.weft.streams.http2;

import com.typesafe.config.Config;

import java.time.Duration;
import java.util.Optional;

/**
 * How one end runs its HTTP/2 connections: the streams it lets the peer open at once, the windows
 * it grants (a stream's and the connection's: together they bound what a connection buffers), the
 * largest header section it decodes, how much written output it holds before it stops reading,
 * how often it pings a quiet connection and how long it waits for the answer, and how long a
 * client's connection stays open with no request on it.
 */
public record Http2Settings(int maxConcurrentStreams, int streamWindow, int connectionWindow, int maxHeaderListSize,
                            int outputHighWater, int maxQueuedRequests, Optional<Duration> pingInterval,
                            Optional<Duration> pingTimeout, Optional<Duration> idleTimeout) {
  public Http2Settings {
    if (streamWindow < Frames.DEFAULT_WINDOW || connectionWindow < Frames.DEFAULT_WINDOW) {
      throw new IllegalArgumentException("HTTP/2 windows are at least " + Frames.DEFAULT_WINDOW + " bytes");
    }
  }

  /** From {@code weft.streams.http2} (the module's reference.conf). */
  public static Http2Settings from(Config config) {
    Config c = config.getConfig("weft.streams.http2");
    return new Http2Settings(c.getInt("max-concurrent-streams"), bytes(c, "stream-window"), bytes(c, "connection-window"),
        bytes(c, "max-header-list-size"), bytes(c, "output-high-water"), c.getInt("max-queued-requests"),
        Optional.empty(), Optional.empty(), Optional.empty());
  }

  private static int bytes(Config c, String path) {
    return Math.toIntExact(c.getBytes(path));
  }

  public Http2Settings withMaxHeaderListSize(int size) {
    return new Http2Settings(maxConcurrentStreams, streamWindow, connectionWindow, size, outputHighWater,
        maxQueuedRequests, pingInterval, pingTimeout, idleTimeout);
  }

  public Http2Settings withMaxQueuedRequests(int queued) {
    return new Http2Settings(maxConcurrentStreams, streamWindow, connectionWindow, maxHeaderListSize, outputHighWater,
        queued, pingInterval, pingTimeout, idleTimeout);
  }

  /** Pings after {@code interval} without a frame from the peer; closes when no answer comes in {@code timeout}. */
  public Http2Settings withPings(Optional<Duration> interval, Optional<Duration> timeout) {
    return new Http2Settings(maxConcurrentStreams, streamWindow, connectionWindow, maxHeaderListSize, outputHighWater,
        maxQueuedRequests, interval, timeout, idleTimeout);
  }

  /** A client's connection closes after {@code idle} without a request in flight. */
  public Http2Settings withIdleTimeout(Duration idle) {
    return new Http2Settings(maxConcurrentStreams, streamWindow, connectionWindow, maxHeaderListSize, outputHighWater,
        maxQueuedRequests, pingInterval, pingTimeout, Optional.of(idle));
  }
}
