package io.weft.viz.query;

import java.time.Duration;
import java.util.Optional;

/**
 * What {@code viz stat} asks: {@code resource} in {@code namespace} (empty: every namespace), only
 * the traffic from or to another resource (in its own namespace, the query's by default), over
 * the last {@code window}.
 */
public record StatRequest(ResourceRef resource, Optional<String> namespace, Optional<ResourceRef> from,
                          Optional<String> fromNamespace, Optional<ResourceRef> to, Optional<String> toNamespace,
                          Duration window) {
  public StatRequest {
    if (from.isPresent() && to.isPresent()) {
      throw new IllegalArgumentException("--from and --to cannot be used together");
    }
    if (from.map(f -> f.name().isEmpty()).orElse(false) || to.map(t -> t.name().isEmpty()).orElse(false)) {
      throw new IllegalArgumentException("--from and --to name one resource: KIND/NAME");
    }
    if (window.isNegative() || window.isZero()) {
      throw new IllegalArgumentException("the time window must be positive");
    }
  }

  public static StatRequest of(ResourceRef resource, Optional<String> namespace, Duration window) {
    return new StatRequest(resource, namespace, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(), window);
  }
}
