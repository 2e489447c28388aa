package io.weft.demo;

import io.prometheus.metrics.model.snapshots.ClassicHistogramBuckets;
import io.prometheus.metrics.model.snapshots.CounterSnapshot;
import io.prometheus.metrics.model.snapshots.GaugeSnapshot;
import io.prometheus.metrics.model.snapshots.HistogramSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshot;
import io.prometheus.metrics.model.snapshots.MetricSnapshots;

import java.time.Duration;
import java.util.List;
import java.util.OptionalDouble;
import java.util.TreeMap;

/**
 * Golden metrics of one deployment as its callers' proxies saw them (responses to requests whose
 * {@code dst_deployment} is it): success rate, requests per second and latency percentiles, with
 * the percentiles interpolated within Linkerd's buckets the way Prometheus's histogram_quantile does.
 */
public record DeploymentStats(String deployment, long responses, long successes, double rps,
                              OptionalDouble p50, OptionalDouble p95, OptionalDouble p99) {

  public OptionalDouble successRate() {
    return responses == 0 ? OptionalDouble.empty() : OptionalDouble.of((double) successes / responses);
  }

  public static DeploymentStats of(String deployment, List<MetricSnapshots> proxies, Duration window) {
    long responses = 0;
    long successes = 0;
    TreeMap<Double, Long> buckets = new TreeMap<>();
    for (MetricSnapshots snapshots : proxies) {
      for (MetricSnapshot metric : snapshots) {
        String name = metric.getMetadata().getName();
        if (metric instanceof CounterSnapshot counter && name.equals("response")) {
          for (var point : counter.getDataPoints()) {
            if (deployment.equals(point.getLabels().get("dst_deployment"))) {
              long n = Math.round(point.getValue());
              responses += n;
              if ("success".equals(point.getLabels().get("classification"))) {
                successes += n;
              }
            }
          }
        } else if (metric instanceof HistogramSnapshot histogram && name.equals("response_latency_ms")) {
          for (var point : histogram.getDataPoints()) {
            if (deployment.equals(point.getLabels().get("dst_deployment"))) {
              ClassicHistogramBuckets b = point.getClassicBuckets();
              for (int i = 0; i < b.size(); i++) {
                buckets.merge(b.getUpperBound(i), b.getCount(i), Long::sum);
              }
            }
          }
        }
      }
    }
    double seconds = Math.max(window.toMillis() / 1000.0, Double.MIN_VALUE);
    return new DeploymentStats(deployment, responses, successes, responses / seconds,
        quantile(0.50, buckets), quantile(0.95, buckets), quantile(0.99, buckets));
  }

  /** Connections open right now on these proxies' inbound side (Linkerd's viz TCP_CONN). */
  public static long openInboundConnections(List<MetricSnapshots> ownProxies) {
    long open = 0;
    for (MetricSnapshots snapshots : ownProxies) {
      for (MetricSnapshot metric : snapshots) {
        if (metric instanceof GaugeSnapshot gauge && metric.getMetadata().getName().equals("tcp_open_connections")) {
          for (var point : gauge.getDataPoints()) {
            if ("inbound".equals(point.getLabels().get("direction"))) {
              open += Math.round(point.getValue());
            }
          }
        }
      }
    }
    return open;
  }

  /** {@code buckets}: upper bound → count in that bucket (not cumulative); the last bound may be +Inf. */
  static OptionalDouble quantile(double q, TreeMap<Double, Long> buckets) {
    long total = buckets.values().stream().mapToLong(Long::longValue).sum();
    if (total == 0) {
      return OptionalDouble.empty();
    }
    double rank = q * total;
    long seen = 0;
    double lower = 0;
    for (var bucket : buckets.entrySet()) {
      long count = bucket.getValue();
      if (seen + count >= rank && count > 0) {
        if (bucket.getKey().isInfinite()) {
          return OptionalDouble.of(lower); // as histogram_quantile: the highest finite bound
        }
        return OptionalDouble.of(lower + (bucket.getKey() - lower) * (rank - seen) / count);
      }
      seen += count;
      lower = bucket.getKey();
    }
    return OptionalDouble.of(lower);
  }
}
