package io.weft.protocol.admin;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The samples of a Prometheus text exposition (what a proxy's /metrics serves): one per series
 * line, its name, labels and value; comments and blank lines skipped. A line that is not a sample
 * is refused with its line number, so a reader never works from a half-understood scrape.
 */
public final class PrometheusSamples {
  /** One series' value: {@code name} as written (with its {@code _total}, {@code _bucket}, ... suffix). */
  public record Sample(String name, Map<String, String> labels, double value) {
    public String label(String key) {
      return labels.getOrDefault(key, "");
    }
  }

  /** The exposition is not Prometheus text. */
  public static final class MalformedExposition extends IllegalArgumentException {
    MalformedExposition(int line, String why) {
      super("line " + line + ": " + why);
    }
  }

  private PrometheusSamples() {}

  public static List<Sample> parse(String text) {
    List<Sample> samples = new ArrayList<>();
    int number = 0;
    for (String line : text.split("\n", -1)) {
      number++;
      String trimmed = line.strip();
      if (trimmed.isEmpty() || trimmed.startsWith("#")) {
        continue;
      }
      samples.add(sample(trimmed, number));
    }
    return samples;
  }

  private static Sample sample(String line, int number) {
    int at = 0;
    while (at < line.length() && isNameChar(line.charAt(at), at == 0)) {
      at++;
    }
    if (at == 0) {
      throw new MalformedExposition(number, "no metric name");
    }
    String name = line.substring(0, at);
    Map<String, String> labels = Map.of();
    if (at < line.length() && line.charAt(at) == '{') {
      TreeMap<String, String> parsed = new TreeMap<>();
      at = labels(line, at + 1, parsed, number);
      labels = Collections.unmodifiableMap(parsed);
    }
    String[] rest = line.substring(at).strip().split("\\s+");
    if (rest.length == 0 || rest[0].isEmpty()) {
      throw new MalformedExposition(number, name + " has no value");
    }
    return new Sample(name, labels, value(rest[0], number));
  }

  /** Reads {@code key="value",...}} from {@code at}; returns the index after the closing brace. */
  private static int labels(String line, int at, Map<String, String> into, int number) {
    while (true) {
      while (at < line.length() && (line.charAt(at) == ' ' || line.charAt(at) == ',')) {
        at++;
      }
      if (at >= line.length()) {
        throw new MalformedExposition(number, "unclosed label set");
      }
      if (line.charAt(at) == '}') {
        return at + 1;
      }
      int start = at;
      while (at < line.length() && isNameChar(line.charAt(at), at == start)) {
        at++;
      }
      if (at == start || at + 1 >= line.length() || line.charAt(at) != '=' || line.charAt(at + 1) != '"') {
        throw new MalformedExposition(number, "a label must be name=\"value\"");
      }
      String key = line.substring(start, at);
      at += 2;
      StringBuilder value = new StringBuilder();
      while (true) {
        if (at >= line.length()) {
          throw new MalformedExposition(number, "unterminated value of label " + key);
        }
        char c = line.charAt(at++);
        if (c == '"') {
          break;
        }
        if (c == '\\' && at < line.length()) {
          char escaped = line.charAt(at++);
          value.append(escaped == 'n' ? '\n' : escaped);
        } else {
          value.append(c);
        }
      }
      into.put(key, value.toString());
    }
  }

  /** A value as Prometheus writes one ({@code 1.5}, {@code +Inf}, {@code NaN}): a bucket's {@code le}, say. */
  public static double number(String text) {
    return value(text, 0);
  }

  private static double value(String text, int number) {
    return switch (text) {
      case "+Inf", "Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> {
        try {
          yield Double.parseDouble(text);
        } catch (NumberFormatException e) {
          throw new MalformedExposition(number, "'" + text + "' is not a number");
        }
      }
    };
  }

  private static boolean isNameChar(char c, boolean first) {
    return c == '_' || c == ':' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (!first && c >= '0' && c <= '9');
  }
}
