package io.weft.proxy.outbound;

import io.weft.proxy.metrics.PolicyRouteMetrics;
import io.weft.proxy.route.PolicyRoute;
import io.weft.proxy.route.PolicyRoutes;
import io.weft.proxy.route.RequestParts;
import io.weft.proxy.route.RouteMatch;
import io.weft.proxy.route.RuleFilters;
import io.weft.streams.balance.WeightedSplit;
import io.weft.streams.http.ProxyError;
import io.weft.streams.http.ProxyResponses;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.retry.Retry;
import io.weft.streams.retry.RetryPolicy;
import io.weft.streams.service.Layer;
import io.weft.streams.service.Service;
import io.weft.streams.timeout.IdleTimeout;
import io.weft.streams.timeout.Timeout;

import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Function;

/**
 * A Service's outbound policy routes as one service, immutable: each request takes the rule the
 * Gateway API's precedence picks (none: 404, Linkerd's "no route found"), and each rule is its own
 * stack — route metrics, the rule's filters, its idle timeout, its timeout (retries included, and
 * the caller's {@code grpc-timeout}), counted retries with backoff, the per-try timeout, then the weighted split
 * over its backends, each with its metrics, filters and request timeout.
 */
final class PolicyRouter implements Service<Request, Response> {
  private final PolicyRoutes routes;
  private final Map<PolicyRoute.Rule, Service<Request, Response>> stacks = new IdentityHashMap<>();

  /** {@code backends}: the service of a backend's authority. */
  PolicyRouter(PolicyRoutes routes, Function<String, Service<Request, Response>> backends, LogicalService.Settings settings) {
    this.routes = routes;
    for (PolicyRoute route : routes.routes()) {
      PolicyRouteMetrics.Route metrics = settings.policyMetrics().route(routes.grpc(), routes.parent(), route.labels());
      for (PolicyRoute.Rule rule : route.rules()) {
        stacks.put(rule, stack(rule, metrics, backends, settings));
      }
    }
  }

  @Override
  public CompletionStage<Response> call(Request request) {
    Optional<PolicyRoutes.Selected> selected = routes.select(request, RequestParts.of(request));
    if (selected.isEmpty()) {
      return CompletableFuture.completedFuture(ProxyResponses.error(ProxyError.NO_ROUTE, request));
    }
    // A redirect replacing the matched prefix needs to know which match chose the rule.
    return stacks.get(selected.get().rule()).call(request.put(RouteMatch.class, selected.get().match()));
  }

  private Service<Request, Response> stack(PolicyRoute.Rule rule, PolicyRouteMetrics.Route metrics,
                                           Function<String, Service<Request, Response>> backends, LogicalService.Settings settings) {
    List<WeightedSplit.Weighted<Request, Response>> split = rule.backends().stream().filter(b -> b.weight() > 0)
        .map(b -> new WeightedSplit.Weighted<>(metrics.backend(b.labels())
            .andThen(new RuleFilters(b.filters(), routes.grpc()))
            .andThen(within(b.timeout(), settings))
            .wrap(b.authority().map(backends).orElse(request ->
                CompletableFuture.completedFuture(ProxyResponses.error(ProxyError.UNEXPECTED, request, Optional.of("the backend cannot be reached"))))),
            b.weight()))
        .toList();
    Service<Request, Response> sent = split.isEmpty()
        ? request -> CompletableFuture.completedFuture(ProxyResponses.error(ProxyError.UNEXPECTED, request, Optional.of("the route has no backends")))
        : split.size() == 1 ? split.getFirst().service() : new WeightedSplit<>(split);
    Service<Request, Response> attempts = rule.retry().flatMap(PolicyRoute.Retry::perTry)
        .map(perTry -> within(Optional.of(perTry), settings).wrap(sent)).orElse(sent);
    Service<Request, Response> retried = rule.retry().<Service<Request, Response>>map(retry -> new Retry(new RetryPolicy() {
          @Override
          public boolean retryable(Request request) {
            return true;
          }

          @Override
          public boolean retryOn(Request request, Response response) {
            return retry.retryOn(response);
          }

          @Override
          public int maxRetries() {
            return retry.maxRetries();
          }

          @Override
          public Duration backoff(int attempt) {
            metrics.retried();
            return retry.backoff().map(b -> b.before(attempt, ThreadLocalRandom.current().nextDouble())).orElse(Duration.ZERO);
          }
        }, Optional.empty(), retry.maxRequestBytes() > 0 ? retry.maxRequestBytes() : settings.maxRetryBodyBytes(), settings.timer(),
            settings.materializer(), () -> { }).wrap(attempts))
        .orElse(attempts);
    return metrics.requests().andThen(new RuleFilters(rule.filters(), routes.grpc()))
        .andThen(rule.idle().<Layer<Request, Response>>map(IdleTimeout::new).orElse(inner -> inner))
        .andThen(timeout(rule.timeout(), settings)).wrap(retried);
  }

  /** A timeout of {@code after}, and always the caller's own {@code grpc-timeout}. */
  private static Timeout timeout(Optional<Duration> after, LogicalService.Settings settings) {
    return new Timeout(request -> after, settings.timer(), settings.materializer());
  }

  /** A timeout of {@code after} when there is one; the caller's deadline is the rule's to keep. */
  private static Layer<Request, Response> within(Optional<Duration> after, LogicalService.Settings settings) {
    return after.<Layer<Request, Response>>map(d -> timeout(after, settings)).orElse(inner -> inner);
  }
}
