package io.weft.proxy.config;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.BitSet;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/** Reads typed values from the environment in the formats Linkerd's proxy and injector use. */
final class EnvReader {
  private static final String PREFIX = "LINKERD2_PROXY_";
  private static final String UNREAD = "not used by this proxy (a name it does not know, or one the other settings leave out)";
  private static final Pattern DURATION = Pattern.compile("(\\d+)(ms|s|m|h|d)");
  private static final Pattern ADDRESS = Pattern.compile("(?:\\[([0-9a-fA-F:.]+)]|([^:\\[\\]]*)):(\\d{1,5})");

  private final Map<String, String> env;
  private final java.util.Set<String> read = new java.util.HashSet<>();
  private final java.util.List<ProxyConfig.Notice> notices = new java.util.ArrayList<>();

  EnvReader(Map<String, String> env) {
    this.env = env;
  }

  Optional<String> string(String name) {
    read.add(name);
    String v = env.get(name);
    return v == null || v.isBlank() ? Optional.empty() : Optional.of(v.trim());
  }

  /** A value {@code parse} reads, its {@link IllegalArgumentException} naming what is wrong. */
  <T> T parsed(String name, java.util.function.Function<String, T> parse, T fallback) {
    return string(name).map(v -> {
      try {
        return parse.apply(v);
      } catch (IllegalArgumentException e) {
        throw new ProxyConfigException(name + ": " + e.getMessage());
      }
    }).orElse(fallback);
  }

  /** A comma-separated list, each item read by {@code parse}; {@code fallback} is read the same way. */
  <T> java.util.List<T> list(String name, java.util.function.Function<String, T> parse, String fallback) {
    String v = string(name).orElse(fallback);
    java.util.List<T> out = new java.util.ArrayList<>();
    for (String item : v.split(",")) {
      if (!item.isBlank()) {
        try {
          out.add(parse.apply(item.trim()));
        } catch (IllegalArgumentException e) {
          throw new ProxyConfigException(name + ": " + e.getMessage());
        }
      }
    }
    return java.util.List.copyOf(out);
  }

  boolean bool(String name, boolean fallback) {
    return string(name).map(v -> switch (v.toLowerCase()) {
      case "true" -> true;
      case "false" -> false;
      default -> throw new ProxyConfigException(name + ": '" + v + "' is not true or false");
    }).orElse(fallback);
  }

  int integer(String name, int fallback) {
    return string(name).map(v -> {
      try {
        return Integer.parseInt(v);
      } catch (NumberFormatException e) {
        throw new ProxyConfigException(name + ": '" + v + "' is not a whole number");
      }
    }).orElse(fallback);
  }

  /** {@code 100ms}, {@code 10s}, {@code 5m}, {@code 1h}, {@code 365d}. */
  Duration duration(String name, Duration fallback) {
    return string(name).map(v -> {
      Matcher m = DURATION.matcher(v);
      if (!m.matches()) {
        throw new ProxyConfigException(name + ": '" + v + "' is not a duration like 100ms, 10s or 5m");
      }
      long n = Long.parseLong(m.group(1));
      return switch (m.group(2)) {
        case "ms" -> Duration.ofMillis(n);
        case "s" -> Duration.ofSeconds(n);
        case "m" -> Duration.ofMinutes(n);
        case "h" -> Duration.ofHours(n);
        default -> Duration.ofDays(n);
      };
    }).orElse(fallback);
  }

  /** {@code 0.0.0.0:4143}, {@code [::]:4143}, {@code :4190} (all interfaces). */
  InetSocketAddress address(String name, String fallback) {
    return parseAddress(name, string(name).orElse(fallback));
  }

  private static InetSocketAddress parseAddress(String name, String v) {
    Matcher m = ADDRESS.matcher(v);
    if (!m.matches()) {
      throw new ProxyConfigException(name + ": '" + v + "' is not an address like 0.0.0.0:4143 or [::]:4143");
    }
    int port = Integer.parseInt(m.group(3));
    if (port > 65535) {
      throw new ProxyConfigException(name + ": port " + port + " is outside 0-65535");
    }
    String host = m.group(1) != null ? m.group(1) : m.group(2).isEmpty() ? "0.0.0.0" : m.group(2);
    return InetSocketAddress.createUnresolved(host, port);
  }

  /** Comma-separated addresses, each like {@link #address}. */
  java.util.List<InetSocketAddress> addresses(String name, String fallback) {
    java.util.List<InetSocketAddress> out = list(name, item -> parseAddress(name, item), fallback);
    if (out.isEmpty()) {
      throw new ProxyConfigException(name + ": no address given");
    }
    return out;
  }

  /**
   * A variable this proxy reads but cannot honour with its value ({@code honoured} says which it
   * can): it is noted (and logged once at start) rather than silently dropped.
   */
  void unsupported(String name, java.util.function.Predicate<String> honoured, String why) {
    string(name).filter(honoured.negate()).ifPresent(value -> notices.add(new ProxyConfig.Notice(name, value, why)));
  }

  /**
   * What this proxy will not act on: each variable it cannot honour, and each
   * {@code LINKERD2_PROXY_*} variable nothing here reads (a misspelling, or a newer Linkerd's).
   */
  java.util.List<ProxyConfig.Notice> notices() {
    java.util.List<ProxyConfig.Notice> out = new java.util.ArrayList<>(notices);
    env.keySet().stream().filter(n -> n.startsWith(PREFIX) && !read.contains(n)).sorted()
        .forEach(n -> out.add(new ProxyConfig.Notice(n, env.get(n), UNREAD)));
    return java.util.List.copyOf(out);
  }

  /** Comma-separated ports and ranges: {@code 25,587,4000-4100}. */
  BitSet ports(String name, String fallback) {
    try {
      return io.weft.protocol.net.PortRanges.parse(string(name).orElse(fallback));
    } catch (IllegalArgumentException e) {
      throw new ProxyConfigException(name + ": " + e.getMessage());
    }
  }

}
