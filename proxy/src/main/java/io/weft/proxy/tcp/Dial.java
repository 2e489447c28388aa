package io.weft.proxy.tcp;

import java.time.Duration;

/** How a side makes its connections: the time a dial may take, and the TCP settings each connection gets. */
public record Dial(Duration timeout, TcpOptions tcp) {
  /** A dial with the OS's socket settings. */
  public static Dial within(Duration timeout) {
    return new Dial(timeout, TcpOptions.NONE);
  }

  /** A dial with Linkerd's connect settings ({@code *_CONNECT_KEEPALIVE}, {@code *_CONNECT_USER_TIMEOUT}). */
  public static Dial of(Duration timeout, TcpOptions connect) {
    return new Dial(timeout, connect);
  }
}
