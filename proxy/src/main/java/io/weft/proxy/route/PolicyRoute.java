package io.weft.proxy.route;

import io.weft.streams.http.Response;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One route of a Service's outbound policy, compiled for the request path: the hostnames it
 * answers for (none: any) and its rules. {@code labels} are its {@code route_*} metric labels.
 */
public record PolicyRoute(Map<String, String> labels, List<HostMatch> hosts, List<Rule> rules) {
  /**
   * A rule: where matching requests go (weighted backends), what its filters do on the way, the
   * time the caller waits at most for the response head (retries included), how long its bodies
   * may go without a byte, and how it retries.
   */
  public record Rule(List<RouteMatch> matches, List<RouteFilter> filters, List<RouteBackend> backends, Optional<Duration> timeout,
                     Optional<Duration> idle, Optional<Retry> retry) {}

  /**
   * One backend of a rule: the authority discovery resolves ({@code empty} when the control plane
   * named a backend the proxy cannot send to; its filters then fail the request), its share, the
   * time each request to it may take, and its {@code backend_*} metric labels.
   */
  public record RouteBackend(Optional<String> authority, Map<String, String> labels, long weight, Optional<Duration> timeout,
                             List<RouteFilter> filters) {}

  /**
   * Up to {@code maxRetries} more attempts, each within {@code perTry}, after an answer in
   * {@code statuses} (HTTP) or with a {@code grpc-status} in {@code grpcCodes}, waiting
   * {@code backoff} before each.
   */
  public record Retry(int maxRetries, List<StatusRange> statuses, Set<Integer> grpcCodes, Optional<Duration> perTry,
                      long maxRequestBytes, Optional<Backoff> backoff) {
    public boolean retryOn(Response response) {
      if (!grpcCodes.isEmpty()) {
        // Only a trailers-only answer carries its status in the head, where a retry can still be decided.
        String status = response.headers().get("grpc-status");
        try {
          return status != null && grpcCodes.contains(Integer.parseInt(status.trim()));
        } catch (NumberFormatException e) {
          return false;
        }
      }
      return statuses.stream().anyMatch(r -> response.status() >= r.start() && response.status() <= r.end());
    }
  }

  public record StatusRange(int start, int end) {}

  /** Exponential backoff: {@code min} doubling per retry up to {@code max}, plus up to {@code jitter} of it at random. */
  public record Backoff(Duration min, Duration max, double jitter) {
    private static final int MAX_DOUBLINGS = 30;

    /** The wait before retry {@code retry} (from 0), {@code random} in [0, 1). */
    public Duration before(int retry, double random) {
      long base = Math.min(max.toNanos(), min.toNanos() << Math.min(retry, MAX_DOUBLINGS));
      return Duration.ofNanos(Math.min(max.toNanos(), base + (long) (base * jitter * random)));
    }
  }
}
