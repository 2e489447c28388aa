package io.weft.proxy.route;

import java.util.List;
import java.util.Locale;

/** A route's hostname: exactly {@code exact}, or any name ending in {@code .suffix}. */
public record HostMatch(String exact, String suffix) {
  static HostMatch of(io.linkerd.proxy.http_route.HostMatch match) {
    if (match.hasExact()) {
      return new HostMatch(match.getExact().toLowerCase(Locale.ROOT), null);
    }
    List<String> labels = new java.util.ArrayList<>(match.getSuffix().getReverseLabelsList());
    java.util.Collections.reverse(labels);
    return new HostMatch(null, String.join(".", labels).toLowerCase(Locale.ROOT));
  }

  /** How well it matches {@code host} (lower-case, no port): 0 not at all, higher is more specific. */
  int score(String host) {
    if (exact != null) {
      return exact.equals(host) ? Integer.MAX_VALUE : 0;
    }
    return host.endsWith("." + suffix) ? 1 + suffix.length() : 0;
  }
}
