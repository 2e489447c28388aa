package io.weft.viz.query;

import io.weft.protocol.admin.PrometheusSamples.Sample;
import io.weft.viz.metrics.Scrape;

import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * One proxy's metrics over a window: how much each counter grew between the scrape that opens the
 * window and the latest, and each gauge's latest value — Prometheus's {@code increase} and instant
 * value, without its extrapolation. A counter that went down (the proxy restarted) counts from zero.
 */
final class PodWindow {
  private record Series(String name, Map<String, String> labels) {}

  private final Scrape latest;
  private final Map<Series, Double> base = new HashMap<>();
  private final double seconds;

  private PodWindow(Scrape latest, Scrape start) {
    this.latest = latest;
    for (Sample s : start.samples()) {
      base.put(new Series(s.name(), s.labels()), s.value());
    }
    this.seconds = (latest.atNanos() - start.atNanos()) / 1e9;
  }

  /** The window ending at {@code scrapes}' latest, opened by the newest scrape at least {@code window} older (else the oldest); null with fewer than two scrapes. */
  static PodWindow of(Scrape[] scrapes, Duration window) {
    if (scrapes.length < 2) {
      return null;
    }
    Scrape latest = scrapes[scrapes.length - 1];
    Scrape start = scrapes[0];
    for (int i = scrapes.length - 2; i >= 0; i--) {
      if (latest.atNanos() - scrapes[i].atNanos() >= window.toNanos()) {
        start = scrapes[i];
        break;
      }
    }
    return new PodWindow(latest, start);
  }

  /** Seconds between the window's two scrapes. */
  double seconds() {
    return seconds;
  }

  /** The growth of the counters named {@code name} whose labels {@code labels} accepts. */
  double increase(String name, Predicate<Sample> labels) {
    double sum = 0;
    for (Sample s : latest.samples()) {
      if (s.name().equals(name) && labels.test(s)) {
        sum += growth(s);
      }
    }
    return sum;
  }

  /** The latest values of the gauges named {@code name} whose labels {@code labels} accepts, summed. */
  double latest(String name, Predicate<Sample> labels) {
    double sum = 0;
    for (Sample s : latest.samples()) {
      if (s.name().equals(name) && labels.test(s)) {
        sum += s.value();
      }
    }
    return sum;
  }

  /** The values the label {@code key} takes among the latest samples of {@code name} that {@code labels} accepts. */
  java.util.Set<String> labelValues(String name, Predicate<Sample> labels, String key) {
    java.util.Set<String> values = new java.util.TreeSet<>();
    for (Sample s : latest.samples()) {
      if (s.name().equals(name) && labels.test(s)) {
        values.add(s.label(key));
      }
    }
    return values;
  }

  /** The growth of each bucket ({@code le}, cumulative) of the histogram {@code bucketName}, added into {@code into}. */
  void bucketIncrease(String bucketName, Predicate<Sample> labels, TreeMap<Double, Double> into) {
    for (Sample s : latest.samples()) {
      if (s.name().equals(bucketName) && labels.test(s)) {
        into.merge(io.weft.protocol.admin.PrometheusSamples.number(s.label("le")), growth(s), Double::sum);
      }
    }
  }

  /** How much {@code now}, one of the latest scrape's counters, grew over the window. */
  double growth(Sample now) {
    Double before = base.get(new Series(now.name(), now.labels()));
    // A series missing at the start appeared within the window; one that went down restarted.
    return before == null || now.value() < before ? now.value() : now.value() - before;
  }
}
