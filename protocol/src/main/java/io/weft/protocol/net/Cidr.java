package io.weft.protocol.net;

import java.net.InetAddress;
import java.util.Arrays;

/**
 * An address block ({@code 10.0.0.0/8}, {@code fd00::/8}); a bare address is a block of one.
 * Policy's cluster networks and NetworkAuthentications are lists of these.
 */
public record Cidr(byte[] address, int prefix, String text) {
  /** Parses {@code text}; {@link IllegalArgumentException} says what is wrong with it. */
  public static Cidr parse(String text) {
    String trimmed = text.trim();
    int slash = trimmed.indexOf('/');
    String host = slash < 0 ? trimmed : trimmed.substring(0, slash);
    byte[] address;
    try {
      address = InetAddress.ofLiteral(host).getAddress();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("'" + text + "' is not an IP address or CIDR");
    }
    int bits = address.length * 8;
    int prefix = bits;
    if (slash >= 0) {
      try {
        prefix = Integer.parseInt(trimmed.substring(slash + 1));
      } catch (NumberFormatException e) {
        prefix = -1;
      }
      if (prefix < 0 || prefix > bits) {
        throw new IllegalArgumentException("'" + text + "' has a prefix length outside 0-" + bits);
      }
    }
    return new Cidr(address, prefix, trimmed);
  }

  /** Whether every address of {@code other} is in this block. */
  public boolean contains(Cidr other) {
    return other.address.length == address.length && other.prefix >= prefix && samePrefix(other.address);
  }

  /** Whether {@code ip} is in this block (an IPv4-mapped IPv6 address counts as its IPv4 one). */
  public boolean contains(InetAddress ip) {
    byte[] bytes = ip.getAddress();
    return bytes.length == address.length && samePrefix(bytes);
  }

  private boolean samePrefix(byte[] other) {
    for (int bit = 0; bit < prefix; bit++) {
      int mask = 0x80 >> (bit % 8);
      if ((address[bit / 8] & mask) != (other[bit / 8] & mask)) {
        return false;
      }
    }
    return true;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Cidr c && c.prefix == prefix && Arrays.equals(c.address, address);
  }

  @Override
  public int hashCode() {
    return 31 * Arrays.hashCode(address) + prefix;
  }

  @Override
  public String toString() {
    return text;
  }
}
