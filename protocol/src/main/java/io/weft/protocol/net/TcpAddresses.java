package io.weft.protocol.net;

import io.linkerd.proxy.net.IPAddress;
import io.linkerd.proxy.net.IPv6;
import io.linkerd.proxy.net.TcpAddress;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;

/** Converts between Java socket addresses and the proxy API's {@code net.TcpAddress}. */
public final class TcpAddresses {
  private TcpAddresses() {}

  public static TcpAddress of(InetAddress ip, int port) {
    return TcpAddress.newBuilder().setIp(ipOf(ip)).setPort(port).build();
  }

  /** Parses a literal IP address (no DNS lookup); throws for anything else. */
  public static TcpAddress of(String ipLiteral, int port) {
    return of(parseLiteral(ipLiteral), port);
  }

  public static IPAddress ipOf(InetAddress ip) {
    ByteBuffer bytes = ByteBuffer.wrap(ip.getAddress());
    if (ip instanceof Inet4Address) {
      return IPAddress.newBuilder().setIpv4(bytes.getInt()).build();
    }
    return IPAddress.newBuilder()
        .setIpv6(IPv6.newBuilder().setFirst(bytes.getLong()).setLast(bytes.getLong()))
        .build();
  }

  public static InetAddress toInetAddress(IPAddress ip) {
    ByteBuffer bytes;
    switch (ip.getIpCase()) {
      case IPV4 -> bytes = ByteBuffer.allocate(4).putInt(ip.getIpv4());
      case IPV6 -> bytes = ByteBuffer.allocate(16).putLong(ip.getIpv6().getFirst()).putLong(ip.getIpv6().getLast());
      default -> throw new IllegalArgumentException("IPAddress has no address set");
    }
    try {
      return InetAddress.getByAddress(bytes.array());
    } catch (UnknownHostException e) {
      throw new IllegalStateException("an address of 4 or 16 bytes is always valid", e);
    }
  }

  public static InetSocketAddress toSocketAddress(TcpAddress address) {
    return new InetSocketAddress(toInetAddress(address.getIp()), address.getPort());
  }

  /** "10.0.0.1:80" or "[fd00::1]:80" */
  public static String format(TcpAddress address) {
    InetAddress ip = toInetAddress(address.getIp());
    String host = ip instanceof Inet6Address ? "[" + ip.getHostAddress() + "]" : ip.getHostAddress();
    return host + ":" + address.getPort();
  }

  /**
   * True when the text is an IPv4 or IPv6 literal. It is asked of every request's authority, so a
   * name (anything with a character no literal has) is answered without a regex or an exception.
   */
  public static boolean isIpLiteral(String text) {
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      boolean literalChar = (c >= '0' && c <= '9') || c == '.' || c == ':' || c == '[' || c == ']'
          || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
      if (!literalChar) {
        return false;
      }
    }
    try {
      parseLiteral(text);
      return true;
    } catch (IllegalArgumentException e) {
      return false;
    }
  }

  /** Parses an IP literal without ever consulting DNS. */
  public static InetAddress parseLiteral(String text) {
    String t = text.startsWith("[") && text.endsWith("]") ? text.substring(1, text.length() - 1) : text;
    boolean v4 = t.matches("\\d{1,3}(\\.\\d{1,3}){3}");
    boolean v6 = t.contains(":") && t.matches("[0-9a-fA-F:.]+");
    if (!v4 && !v6) {
      throw new IllegalArgumentException("not an IP address: '" + text + "'");
    }
    if (v4) {
      for (String octet : t.split("\\.")) {
        if (Integer.parseInt(octet) > 255) {
          throw new IllegalArgumentException("not an IP address: '" + text + "'");
        }
      }
    }
    try {
      return InetAddress.getByName(t); // a literal, so no lookup happens
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("not an IP address: '" + text + "'", e);
    }
  }
}
