package io.weft.proxy.route;

import io.weft.streams.http.Request;

import java.util.List;
import java.util.Optional;
import java.util.function.Function;

/**
 * Finds the rule a request takes among routes as the Gateway API orders them: the route whose
 * hostnames match the request's host most specifically (a route with none matches any host), then
 * the most specific match among all those routes' rules, the first in the given order on a tie.
 * Outbound and inbound routes share it.
 */
final class RouteSelection {
  private RouteSelection() {}

  /** The route and rule chosen, and the match that chose them. */
  record Choice<R, U>(R route, U rule, RouteMatch match) {}

  static <R, U> Optional<Choice<R, U>> select(List<R> routes, Function<R, List<HostMatch>> hosts, Function<R, List<U>> rules,
                                              Function<U, List<RouteMatch>> matches, Request request, RequestParts parts) {
    Choice<R, U> best = null;
    int bestHost = -1;
    for (R route : routes) {
      List<HostMatch> names = hosts.apply(route);
      int host = names.isEmpty() ? 0 : names.stream().mapToInt(h -> h.score(parts.host())).max().orElse(0);
      if ((host == 0 && !names.isEmpty()) || host < bestHost) {
        continue;
      }
      for (U rule : rules.apply(route)) {
        for (RouteMatch match : matches.apply(rule)) {
          if ((host > bestHost || best == null || RouteMatch.PRECEDENCE.compare(match, best.match()) < 0) && match.test(request, parts)) {
            best = new Choice<>(route, rule, match);
            bestHost = host;
          }
        }
      }
    }
    return Optional.ofNullable(best);
  }
}
