package io.weft.viz.query;

import io.weft.protocol.admin.PrometheusSamples.Sample;

import java.util.TreeMap;
import java.util.function.Predicate;

/**
 * Golden metrics being summed over proxies: responses and successes, their rate, latency buckets,
 * and (for the inbound side) open connections and bytes — each proxy's window adds its part.
 */
final class Golden {
  double responses;
  double successes;
  double rps;
  final TreeMap<Double, Double> buckets = new TreeMap<>();
  double openConnections;
  double readBytesPerSecond;
  double writeBytesPerSecond;
  boolean measured;

  /** Adds the responses {@code labels} picks from one proxy's window (a window of no time adds nothing). */
  void add(PodWindow window, Predicate<Sample> labels) {
    if (window == null || window.seconds() <= 0) {
      return;
    }
    measured = true;
    double total = window.increase("response_total", labels);
    responses += total;
    successes += window.increase("response_total", labels.and(s -> s.label("classification").equals("success")));
    rps += total / window.seconds();
    window.bucketIncrease("response_latency_ms_bucket", labels, buckets);
  }

  /** Adds one proxy's inbound connections now and its inbound bytes' rates. */
  void addInboundTcp(PodWindow window) {
    if (window == null || window.seconds() <= 0) {
      return;
    }
    Predicate<Sample> inbound = s -> s.label("direction").equals("inbound");
    openConnections += window.latest("tcp_open_connections", inbound);
    readBytesPerSecond += window.increase("tcp_read_bytes_total", inbound) / window.seconds();
    writeBytesPerSecond += window.increase("tcp_write_bytes_total", inbound) / window.seconds();
  }
}
