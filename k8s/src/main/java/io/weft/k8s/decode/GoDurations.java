package io.weft.k8s.decode;

import java.time.Duration;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Durations as Kubernetes objects write them, Go's way ({@code 10s}, {@code 1m30s}, {@code 250ms});
 * Gateway API durations (GEP-2257) are a subset.
 */
public final class GoDurations {
  private static final Pattern PART = Pattern.compile("(\\d+(?:\\.\\d+)?)(ms|s|m|h)");

  private GoDurations() {}

  /** Throws {@link IllegalArgumentException} saying what was expected when {@code text} is not one. */
  public static Duration parse(String text) {
    String t = text.trim();
    Matcher m = PART.matcher(t);
    Duration total = Duration.ZERO;
    int end = 0;
    while (m.find() && m.start() == end) {
      double amount = Double.parseDouble(m.group(1));
      long nanosPerUnit = switch (m.group(2)) {
        case "ms" -> 1_000_000L;
        case "s" -> 1_000_000_000L;
        case "m" -> 60_000_000_000L;
        default -> 3_600_000_000_000L;
      };
      total = total.plusNanos(Math.round(amount * nanosPerUnit));
      end = m.end();
    }
    if (end == 0 || end != t.length()) {
      throw new IllegalArgumentException("expected a duration like 10s or 1m30s, got '" + t + "'");
    }
    return total;
  }
}
