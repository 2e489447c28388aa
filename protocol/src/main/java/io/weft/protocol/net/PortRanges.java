package io.weft.protocol.net;

import java.util.BitSet;

/** Comma-separated ports and ranges, as Linkerd's annotations and proxy environment write them: {@code 25,587,4000-4100}. */
public final class PortRanges {
  private static final int MAX_PORT = 65535;

  private PortRanges() {}

  /** The ports {@code list} names; throws {@link IllegalArgumentException} naming the first entry that is not a port or range. */
  public static BitSet parse(String list) {
    BitSet set = new BitSet(MAX_PORT + 1);
    for (String part : list.split(",")) {
      String p = part.trim();
      if (p.isEmpty()) {
        continue;
      }
      String[] range = p.split("-", 2);
      try {
        int from = Integer.parseInt(range[0].trim());
        int to = range.length == 2 ? Integer.parseInt(range[1].trim()) : from;
        if (from < 1 || to > MAX_PORT || from > to) {
          throw new NumberFormatException();
        }
        set.set(from, to + 1);
      } catch (NumberFormatException e) {
        throw new IllegalArgumentException("'" + p + "' is not a port or a range like 4000-4100");
      }
    }
    return set;
  }
}
