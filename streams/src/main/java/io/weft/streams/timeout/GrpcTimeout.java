package io.weft.streams.timeout;

import java.time.Duration;
import java.util.Optional;

/** The {@code grpc-timeout} request header: at most eight digits and a unit (H, M, S, m, u, n). */
public final class GrpcTimeout {
  public static final String HEADER = "grpc-timeout";
  private static final int MAX_DIGITS = 8;

  private GrpcTimeout() {}

  /** The timeout {@code value} gives, or empty when it is not one (a malformed value is ignored, as gRPC servers do). */
  public static Optional<Duration> parse(String value) {
    if (value == null || value.length() < 2 || value.length() > MAX_DIGITS + 1) {
      return Optional.empty();
    }
    long amount = 0;
    for (int i = 0; i < value.length() - 1; i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        return Optional.empty();
      }
      amount = amount * 10 + (c - '0');
    }
    return switch (value.charAt(value.length() - 1)) {
      case 'H' -> Optional.of(Duration.ofHours(amount));
      case 'M' -> Optional.of(Duration.ofMinutes(amount));
      case 'S' -> Optional.of(Duration.ofSeconds(amount));
      case 'm' -> Optional.of(Duration.ofMillis(amount));
      case 'u' -> Optional.of(Duration.ofNanos(amount * 1_000));
      case 'n' -> Optional.of(Duration.ofNanos(amount));
      default -> Optional.empty();
    };
  }

  /** {@code timeout} as the header writes it: milliseconds while they fit in eight digits, else seconds, else hours. */
  public static String format(Duration timeout) {
    long limit = pow10(MAX_DIGITS);
    long millis = Math.max(0, timeout.toMillis());
    if (millis < limit) {
      return millis + "m";
    }
    long seconds = timeout.toSeconds();
    return seconds < limit ? seconds + "S" : Math.min(timeout.toHours(), limit - 1) + "H";
  }

  private static long pow10(int digits) {
    long value = 1;
    for (int i = 0; i < digits; i++) {
      value *= 10;
    }
    return value;
  }
}
