package io.weft.proxy.http;

import java.time.Duration;
import java.util.Optional;

/**
 * How often an HTTP/2 server pings a connection that has been quiet, and how long it waits for the
 * answer before closing it (a client that went away without a FIN); unset: never.
 */
public record Http2Keepalive(Optional<Duration> interval, Optional<Duration> timeout) {
  public static final Http2Keepalive NONE = new Http2Keepalive(Optional.empty(), Optional.empty());
}
