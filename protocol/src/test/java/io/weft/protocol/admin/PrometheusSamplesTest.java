package io.weft.protocol.admin;

import io.prometheus.metrics.core.metrics.Counter;
import io.prometheus.metrics.core.metrics.Histogram;
import io.prometheus.metrics.model.registry.PrometheusRegistry;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Reads what the Prometheus client writes, escapes included, and refuses what is not Prometheus text. */
class PrometheusSamplesTest {
  @Test
  void readsTheClientLibrarysOwnExposition() {
    PrometheusRegistry registry = new PrometheusRegistry();
    Counter.builder().name("response_total").labelNames("direction", "path").register(registry)
        .labelValues("inbound", "a \"quoted\\\" one\nwith a newline").inc(3);
    Histogram.builder().name("response_latency_ms").classicOnly().classicUpperBounds(1, 10).register(registry).observe(5);
    List<PrometheusSamples.Sample> samples = PrometheusSamples.parse(PrometheusText.scrape(registry));
    assertThat(samples).anySatisfy(s -> {
      assertThat(s.name()).isEqualTo("response_total");
      assertThat(s.label("path")).isEqualTo("a \"quoted\\\" one\nwith a newline");
      assertThat(s.value()).isEqualTo(3);
    });
    assertThat(samples).filteredOn(s -> s.name().equals("response_latency_ms_bucket"))
        .extracting(s -> s.label("le") + "=" + s.value()).containsExactly("1.0=0.0", "10.0=1.0", "+Inf=1.0");
  }

  @Test
  void toleratesTimestampsAndSpecialValues() {
    assertThat(PrometheusSamples.parse("up 1 1712345678000\nx{a=\"b\",} NaN\ny -Inf\n"))
        .extracting(PrometheusSamples.Sample::name).containsExactly("up", "x", "y");
  }

  @Test
  void refusesWhatIsNotASample() {
    assertThatThrownBy(() -> PrometheusSamples.parse("ok 1\n{a=\"b\"} 1")).hasMessageContaining("line 2");
    assertThatThrownBy(() -> PrometheusSamples.parse("x{a=\"b} 1")).hasMessageContaining("unterminated");
    assertThatThrownBy(() -> PrometheusSamples.parse("x{a=b} 1")).hasMessageContaining("name=\"value\"");
    assertThatThrownBy(() -> PrometheusSamples.parse("x one")).hasMessageContaining("'one' is not a number");
  }
}
