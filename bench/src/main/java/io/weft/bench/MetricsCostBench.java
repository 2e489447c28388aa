package io.weft.bench;

import com.typesafe.config.ConfigFactory;
import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import kamon.Kamon;
import kamon.tag.TagSet;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What recording one request costs the proxy with each metrics library: a request counter and a
 * latency histogram with Linkerd's buckets, labelled by direction, authority (one of 100) and
 * status code, the label values looked up per request as the data path would.
 *
 * <p>Usage: {@code bench/run metrics [JMH options, e.g. -t 2]}.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(value = 1, jvmArgs = {"-XX:+UseCompactObjectHeaders", "--sun-misc-unsafe-memory-access=allow"})
public class MetricsCostBench {
  /** Linkerd's response_latency_ms buckets. */
  static final double[] BUCKETS = {1, 2, 3, 4, 5, 10, 20, 30, 40, 50, 100, 200, 300, 400, 500, 1000, 2000, 3000, 4000, 5000,
      10000, 20000, 30000, 40000, 50000};
  private static final int AUTHORITIES = 100;

  private final String[] authorities = new String[AUTHORITIES];
  private final AtomicInteger next = new AtomicInteger();
  private Counter promRequests;
  private Histogram promLatency;

  @Setup
  public void setup() {
    for (int i = 0; i < AUTHORITIES; i++) {
      authorities[i] = "svc-" + i + ".bench.svc.cluster.local:80";
    }
    PrometheusRegistry registry = new PrometheusRegistry();
    promRequests = Counter.builder().name("request_total").labelNames("direction", "authority", "status_code").register(registry);
    promLatency = Histogram.builder().name("response_latency_ms").classicOnly().classicUpperBounds(BUCKETS)
        .labelNames("direction", "authority", "status_code").register(registry);
    Kamon.init(ConfigFactory.parseString(String.join("\n",
        "kamon.prometheus.start-embedded-http-server = no",
        "kamon.modules.status-page.enabled = no",
        "kamon.modules.host-metrics.enabled = no",
        "kamon.modules.process-metrics.enabled = no",
        "kamon.modules.jvm-metrics.enabled = no")).withFallback(ConfigFactory.load()));
  }

  @TearDown
  public void tearDown() {
    Kamon.stopModules();
  }

  private String authority() {
    return authorities[(next.getAndIncrement() & Integer.MAX_VALUE) % AUTHORITIES];
  }

  @Benchmark
  public void prometheusClient() {
    String authority = authority();
    promRequests.labelValues("outbound", authority, "200").inc();
    promLatency.labelValues("outbound", authority, "200").observe(7);
  }

  @Benchmark
  public void kamon() {
    TagSet tags = TagSet.builder().add("direction", "outbound").add("authority", authority()).add("status_code", "200").build();
    Kamon.counter("request").withTags(tags).increment();
    Kamon.histogram("response_latency_ms").withTags(tags).record(7);
  }
}
