package io.weft.viz.tap;

import io.weft.viz.query.ResourceRef;

import java.util.Optional;

/**
 * What {@code viz tap} asks: the requests of {@code resource}'s pods in {@code namespace}, only those
 * to {@code to} if given, narrowed by method, path prefix, authority and scheme, at most
 * {@code maxRps} requests a second (Linkerd's default is 100).
 */
public record TapQuery(ResourceRef resource, String namespace, Optional<ResourceRef> to, Optional<String> toNamespace,
                       Optional<String> method, Optional<String> pathPrefix, Optional<String> authority,
                       Optional<String> scheme, double maxRps) {
  public static final double DEFAULT_MAX_RPS = 100;

  public TapQuery {
    if (maxRps <= 0) {
      throw new IllegalArgumentException("--max-rps must be positive");
    }
    if (to.map(t -> t.name().isEmpty()).orElse(false)) {
      throw new IllegalArgumentException("--to names one resource: KIND/NAME");
    }
  }

  public static TapQuery of(ResourceRef resource, String namespace) {
    return new TapQuery(resource, namespace, Optional.empty(), Optional.empty(), Optional.empty(), Optional.empty(),
        Optional.empty(), Optional.empty(), DEFAULT_MAX_RPS);
  }
}
