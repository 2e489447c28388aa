package io.weft.viz.metrics;

import io.weft.k8s.model.ResourceKey;

import java.time.Duration;
import java.util.function.Function;

/**
 * Where a query's numbers come from: for a window, each pod's proxy's scrapes (oldest first) that
 * cover it — viz's own scrapes, or a Prometheus asked for the window's two ends.
 */
public interface MetricSource {
  Function<ResourceKey, Scrape[]> window(Duration window);
}
