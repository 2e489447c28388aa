package io.weft.viz.query;

import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;

/** Prometheus's {@code histogram_quantile} over cumulative buckets (upper bound → count up to it). */
final class Quantiles {
  private Quantiles() {}

  static OptionalDouble of(double q, TreeMap<Double, Double> cumulative) {
    if (cumulative.isEmpty()) {
      return OptionalDouble.empty();
    }
    double total = cumulative.lastEntry().getValue();
    if (total <= 0) {
      return OptionalDouble.empty();
    }
    double rank = q * total;
    double lowerBound = 0;
    double lowerCount = 0;
    for (Map.Entry<Double, Double> bucket : cumulative.entrySet()) {
      if (bucket.getValue() >= rank) {
        if (bucket.getKey().isInfinite()) {
          return OptionalDouble.of(lowerBound); // the highest finite bound, as Prometheus answers
        }
        double inBucket = bucket.getValue() - lowerCount;
        return OptionalDouble.of(inBucket <= 0 ? bucket.getKey()
            : lowerBound + (bucket.getKey() - lowerBound) * (rank - lowerCount) / inBucket);
      }
      lowerBound = bucket.getKey();
      lowerCount = bucket.getValue();
    }
    return OptionalDouble.of(lowerBound);
  }
}
