package io.weft.viz.query;

import org.junit.jupiter.api.Test;

import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

/** Percentiles as Prometheus's histogram_quantile interpolates them within Linkerd's buckets. */
class QuantilesTest {
  private static TreeMap<Double, Double> cumulative(double... boundsAndCounts) {
    TreeMap<Double, Double> buckets = new TreeMap<>();
    for (int i = 0; i < boundsAndCounts.length; i += 2) {
      buckets.put(boundsAndCounts[i], boundsAndCounts[i + 1]);
    }
    return buckets;
  }

  @Test
  void interpolatesWithinTheBucketTheRankFallsIn() {
    // 90 answers of 3-4 ms, 10 of 30-40 ms.
    TreeMap<Double, Double> buckets = cumulative(3, 0, 4, 90, 30, 90, 40, 100, Double.POSITIVE_INFINITY, 100);
    assertThat(Quantiles.of(0.5, buckets).orElseThrow()).isCloseTo(3.0 + 50.0 / 90, within(1e-9));
    assertThat(Quantiles.of(0.95, buckets).orElseThrow()).isCloseTo(35.0, within(1e-9));
    assertThat(Quantiles.of(0.99, buckets).orElseThrow()).isCloseTo(39.0, within(1e-9));
  }

  @Test
  void theOverflowBucketAnswersTheHighestFiniteBoundAndNothingAnswersNothing() {
    assertThat(Quantiles.of(0.99, cumulative(10, 1, Double.POSITIVE_INFINITY, 100)).orElseThrow()).isEqualTo(10.0);
    assertThat(Quantiles.of(0.5, cumulative(10, 0, Double.POSITIVE_INFINITY, 0))).isEmpty();
    assertThat(Quantiles.of(0.5, new TreeMap<>())).isEmpty();
  }
}
