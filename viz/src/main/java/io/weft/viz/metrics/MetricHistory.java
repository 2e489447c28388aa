package io.weft.viz.metrics;

import io.weft.k8s.model.ResourceKey;

import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Each proxy's recent scrapes, as far back as the longest window a query may ask for. Only the
 * scraper writes (one scrape per pod at a time); a reader gets a pod's scrapes as an immutable
 * array, replaced whole on every write.
 */
public final class MetricHistory implements MetricSource {
  private static final Scrape[] NONE = {};
  private final long retentionNanos;
  private final Map<ResourceKey, Scrape[]> scrapes = new ConcurrentHashMap<>();

  public MetricHistory(Duration retention) {
    this.retentionNanos = retention.toNanos();
  }

  public void record(ResourceKey pod, Scrape scrape) {
    scrapes.compute(pod, (key, old) -> {
      Scrape[] kept = old == null ? NONE : old;
      int from = 0;
      // Keep one scrape older than the retention: a window of the full retention needs its start.
      while (from + 1 < kept.length && scrape.atNanos() - kept[from + 1].atNanos() >= retentionNanos) {
        from++;
      }
      Scrape[] next = Arrays.copyOfRange(kept, from, kept.length + 1);
      next[next.length - 1] = scrape;
      return next;
    });
  }

  /** Forgets pods that are gone. */
  public void retain(Set<ResourceKey> pods) {
    scrapes.keySet().retainAll(pods);
  }

  @Override
  public java.util.function.Function<ResourceKey, Scrape[]> window(Duration window) {
    return this::of;
  }

  /** {@code pod}'s scrapes, oldest first. */
  public Scrape[] of(ResourceKey pod) {
    return scrapes.getOrDefault(pod, NONE);
  }
}
