package io.weft.proxy.route;

import io.linkerd.proxy.outbound.HttpRoute;
import io.linkerd.proxy.outbound.OutboundPolicy;
import io.linkerd.proxy.outbound.ProxyProtocol;
import io.weft.streams.http.Response;

import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * The retries and timeouts a Service's outbound policy puts on its default route (from its
 * {@code retry.linkerd.io/*} and {@code timeout.linkerd.io/*} annotations): what applies when no
 * ServiceProfile routes the Service.
 */
public record PolicyRoute(Optional<Duration> requestTimeout, Optional<Retry> retry) {
  /**
   * Up to {@code maxRetries} more attempts, each within {@code perTry}, after an answer in
   * {@code statuses}, waiting {@code backoff} before each.
   */
  public record Retry(int maxRetries, List<StatusRange> statuses, Optional<Duration> perTry, long maxRequestBytes,
                      Optional<Backoff> backoff) {
    public boolean retryOn(Response response) {
      return statuses.stream().anyMatch(r -> response.status() >= r.start() && response.status() <= r.end());
    }
  }

  public record StatusRange(int start, int end) {}

  /** Exponential backoff: {@code min} doubling per retry up to {@code max}, plus up to {@code jitter} of it at random. */
  public record Backoff(Duration min, Duration max, double jitter) {
    /** The wait before retry {@code retry} (from 0), {@code random} in [0, 1). */
    public Duration before(int retry, double random) {
      long base = Math.min(max.toNanos(), min.toNanos() << Math.min(retry, MAX_DOUBLINGS));
      return Duration.ofNanos(Math.min(max.toNanos(), base + (long) (base * jitter * random)));
    }
  }

  private static final int MAX_DOUBLINGS = 30;

  /** The default route's settings, or empty when the policy puts none on it. */
  public static Optional<PolicyRoute> of(OutboundPolicy policy) {
    ProxyProtocol protocol = policy.getProtocol();
    List<HttpRoute> routes = switch (protocol.getKindCase()) {
      case DETECT -> protocol.getDetect().getHttp1().getRoutesList();
      case HTTP1 -> protocol.getHttp1().getRoutesList();
      case HTTP2 -> protocol.getHttp2().getRoutesList();
      default -> List.of();
    };
    if (routes.isEmpty() || routes.getFirst().getRulesCount() == 0) {
      return Optional.empty();
    }
    HttpRoute.Rule rule = routes.getFirst().getRules(0);
    // Timeouts here end at the response head: the sooner of the request and response timeouts.
    Optional<Duration> request = Optional.empty();
    if (rule.hasTimeouts() && rule.getTimeouts().hasRequest()) {
      request = Optional.of(duration(rule.getTimeouts().getRequest()));
    }
    if (rule.hasTimeouts() && rule.getTimeouts().hasResponse()) {
      Duration response = duration(rule.getTimeouts().getResponse());
      request = Optional.of(request.filter(r -> r.compareTo(response) < 0).orElse(response));
    }
    Optional<Retry> retry = rule.hasRetry() ? Optional.of(new Retry(rule.getRetry().getMaxRetries(),
        rule.getRetry().getConditions().getStatusRangesList().stream().map(r -> new StatusRange(r.getStart(), r.getEnd())).toList(),
        rule.getRetry().hasTimeout() ? Optional.of(duration(rule.getRetry().getTimeout())) : Optional.empty(),
        rule.getRetry().getMaxRequestBytes(),
        rule.getRetry().hasBackoff() ? Optional.of(new Backoff(duration(rule.getRetry().getBackoff().getMinBackoff()),
            duration(rule.getRetry().getBackoff().getMaxBackoff()), rule.getRetry().getBackoff().getJitterRatio())) : Optional.empty()))
        : Optional.empty();
    return request.isEmpty() && retry.isEmpty() ? Optional.empty() : Optional.of(new PolicyRoute(request, retry));
  }

  private static Duration duration(com.google.protobuf.Duration d) {
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }
}
