package io.weft.proxy.tcp;

import java.net.InetAddress;
import java.net.NetworkInterface;
import java.net.SocketException;

/** Whether an address is this host's: what a target must be, with one of the proxy's ports, to loop. */
public final class ThisHost {
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
}
