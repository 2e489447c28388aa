package io.weft.proxy.route;

import io.weft.streams.http.Request;

import java.time.Duration;
import java.util.List;

/**
 * An authority's profile as the proxy routes by it, immutable (a new one replaces it whole): its
 * routes in order, the retry budget its routes share, the authorities its traffic is split across
 * ({@code dstOverrides}), and whether the control plane named a ServiceProfile for it at all.
 */
public record Profile(boolean fromServiceProfile, List<ProfileRoute> routes, Budget budget, List<Split> splits) {
  /** Linkerd's retry budget: {@code ratio} of the requests plus {@code minPerSecond}, over {@code ttl}. */
  public record Budget(double ratio, double minPerSecond, Duration ttl) {
    /** Linkerd's default (the destination controller's {@code defaultRetryBudget}). */
    public static final Budget DEFAULT = new Budget(0.2, 10, Duration.ofSeconds(10));
  }

  /** One authority of a traffic split and its weight. */
  public record Split(String authority, long weight) {}

  /** What an authority has before (or without) an answer: no routes, Linkerd's budget, no split. */
  public static final Profile NONE = new Profile(false, List.of(), Budget.DEFAULT, List.of());

  /** The first route that takes {@code request}, or the default route. */
  public ProfileRoute route(Request request) {
    for (ProfileRoute route : routes) {
      if (route.condition().test(request)) {
        return route;
      }
    }
    return ProfileRoute.DEFAULT;
  }
}
