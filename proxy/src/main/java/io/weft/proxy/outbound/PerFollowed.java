package io.weft.proxy.outbound;

import io.weft.proxy.discovery.Followed;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * What a side of the proxy builds over something discovery follows (a backend stack over a
 * resolution, a logical service over a profile), kept while discovery follows it and let go when
 * it stops.
 */
final class PerFollowed<F extends Followed, T> {
  private final Map<F, T> built = new ConcurrentHashMap<>();

  T get(F followed, Function<F, T> build) {
    T existing = built.get(followed);
    if (existing != null) {
      return existing;
    }
    return built.computeIfAbsent(followed, f -> {
      f.dropped().thenRun(() -> built.remove(f));
      return build.apply(f);
    });
  }
}
