package io.weft.proxy.tcp;

import java.time.Duration;
import java.util.Optional;

/**
 * A connection's TCP settings beyond the OS's: the idle time before keep-alive probes start, and
 * how long sent data may stay unacknowledged ({@code TCP_USER_TIMEOUT}); unset: the OS's.
 */
public record TcpOptions(Optional<Duration> keepalive, Optional<Duration> userTimeout) {
  public static final TcpOptions NONE = new TcpOptions(Optional.empty(), Optional.empty());
}
