package io.weft.proxy.tcp;

import io.weft.protocol.net.TcpAddresses;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * Whether an address is this host's: what a target must be, with one of the proxy's ports, to
 * loop; and whether it is loopback, which never leaves the pod. A host given as text is
 * {@code localhost} or an IP literal (never looked up in DNS).
 */
public final class ThisHost {
  private static final String LOCALHOST = "localhost";

  private ThisHost() {}

  public static boolean is(InetAddress address) {
    if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
      return true;
    }
    try {
      return NetworkInterface.getByInetAddress(address) != null;
    } catch (SocketException e) {
      return false;
    }
  }

  /** {@code localhost} or a literal address of this host. */
  public static boolean is(String host) {
    return named(host, ThisHost::is);
  }

  /** {@code localhost} or a loopback literal. */
  public static boolean isLoopback(String host) {
    return named(host, InetAddress::isLoopbackAddress);
  }

  private static boolean named(String host, Predicate<InetAddress> test) {
    return host.equalsIgnoreCase(LOCALHOST) || literal(host).filter(test).isPresent();
  }

  private static Optional<InetAddress> literal(String host) {
    return TcpAddresses.isIpLiteral(host) ? Optional.of(TcpAddresses.parseLiteral(host)) : Optional.empty();
  }
}
