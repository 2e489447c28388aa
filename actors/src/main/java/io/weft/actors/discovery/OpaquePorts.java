package io.weft.actors.discovery;

import java.util.BitSet;

/**
 * A set of ports from Linkerd's {@code config.linkerd.io/opaque-ports} syntax: comma-separated
 * numbers and ranges ({@code 3306,4000-4100}). Named ports are ignored here: they are resolved
 * by whoever knows the container's ports.
 */
public record OpaquePorts(BitSet ports) {
  public static final String ANNOTATION = "config.linkerd.io/opaque-ports";

  public static OpaquePorts parse(String spec) {
    BitSet set = new BitSet(65536);
    for (String part : spec.split(",")) {
      String p = part.trim();
      if (p.isEmpty() || !Character.isDigit(p.charAt(0))) {
        continue;
      }
      String[] range = p.split("-", 2);
      try {
        int from = Integer.parseInt(range[0].trim());
        int to = range.length == 2 ? Integer.parseInt(range[1].trim()) : from;
        if (from >= 1 && to <= 65535 && from <= to) {
          set.set(from, to + 1);
        }
      } catch (NumberFormatException e) {
        // a malformed entry does not make the rest of the annotation useless
      }
    }
    return new OpaquePorts(set);
  }

  public boolean contains(int port) {
    return ports.get(port);
  }
}
