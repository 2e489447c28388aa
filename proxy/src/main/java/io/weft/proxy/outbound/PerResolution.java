package io.weft.proxy.outbound;

import io.weft.proxy.discovery.Resolution;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What a side of the proxy builds over one {@link Resolution} (a balancer, a backend stack), kept
 * while discovery follows the authority and let go when it stops.
 */
final class PerResolution<T> {
  private final Map<Resolution, T> built = new ConcurrentHashMap<>();

  T get(Resolution resolution, Function<Resolution, T> build) {
    T existing = built.get(resolution);
    if (existing != null) {
      return existing;
    }
    return built.computeIfAbsent(resolution, r -> {
      r.dropped().thenRun(() -> built.remove(r));
      return build.apply(r);
    });
  }
}
