package io.weft.actors.discovery;

import com.google.protobuf.Duration;
import io.linkerd.proxy.http_route.Timeouts;
import io.linkerd.proxy.outbound.ExponentialBackoff;
import io.linkerd.proxy.outbound.FailureAccrual;
import io.linkerd.proxy.outbound.GrpcRoute;
import io.linkerd.proxy.outbound.HttpRoute;
import io.weft.k8s.decode.GoDurations;
import io.weft.k8s.model.ResourceMeta;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;
import java.util.function.Function;

/**
 * Reads Linkerd's outbound annotations — {@code balancer.linkerd.io/failure-accrual*} on a Service,
 * {@code retry.linkerd.io/*} and {@code timeout.linkerd.io/*} on a Service, HTTPRoute or GRPCRoute —
 * into the pieces of an outbound policy. An annotation that cannot be read is ignored with a
 * warning naming the object, and its default stands.
 */
final class PolicyAnnotations {
  private static final Logger log = LoggerFactory.getLogger(PolicyAnnotations.class);
  static final String FAILURE_ACCRUAL = "balancer.linkerd.io/failure-accrual";
  static final String MAX_FAILURES = "balancer.linkerd.io/failure-accrual-consecutive-max-failures";
  static final String MIN_PENALTY = "balancer.linkerd.io/failure-accrual-consecutive-min-penalty";
  static final String MAX_PENALTY = "balancer.linkerd.io/failure-accrual-consecutive-max-penalty";
  static final String JITTER = "balancer.linkerd.io/failure-accrual-consecutive-jitter-ratio";
  private static final String CONSECUTIVE = "consecutive";
  static final String RETRY_HTTP = "retry.linkerd.io/http";
  static final String RETRY_GRPC = "retry.linkerd.io/grpc";
  static final String RETRY_LIMIT = "retry.linkerd.io/limit";
  static final String RETRY_TIMEOUT = "retry.linkerd.io/timeout";
  static final String TIMEOUT_REQUEST = "timeout.linkerd.io/request";
  static final String TIMEOUT_RESPONSE = "timeout.linkerd.io/response";
  static final String TIMEOUT_IDLE = "timeout.linkerd.io/idle";
  private static final String SERVER_ERRORS = "5xx";
  /** The gRPC codes retried when a retry annotation names none. */
  private static final String DEFAULT_GRPC_CODES = "cancelled,deadline-exceeded,resource-exhausted,unavailable";

  private final OutboundPolicySettings settings;

  PolicyAnnotations(OutboundPolicySettings settings) {
    this.settings = settings;
  }

  /** Whether {@code meta} carries any retry or timeout annotation (a route's then replace its Service's). */
  static boolean shapesRoutes(ResourceMeta meta) {
    return meta.annotations().keySet().stream().anyMatch(k -> k.startsWith("retry.linkerd.io/") || k.startsWith("timeout.linkerd.io/"));
  }

  /** Consecutive-failures accrual when the Service asks for it, with its knobs or Linkerd's defaults. */
  Optional<FailureAccrual> failureAccrual(ResourceMeta meta, String kind) {
    Map<String, String> annotations = meta.annotations();
    String accrual = annotations.get(FAILURE_ACCRUAL);
    if (accrual == null) {
      return Optional.empty();
    }
    String name = name(meta, kind);
    if (!accrual.equals(CONSECUTIVE)) {
      log.warn("{}: {} \"{}\" is not a kind of failure accrual this mesh knows (consecutive); ignored", name,
          FAILURE_ACCRUAL, accrual);
      return Optional.empty();
    }
    int maxFailures = read(annotations, MAX_FAILURES, name, Integer::parseInt, settings.maxFailures());
    java.time.Duration minPenalty = read(annotations, MIN_PENALTY, name, GoDurations::parse, settings.minPenalty());
    java.time.Duration maxPenalty = read(annotations, MAX_PENALTY, name, GoDurations::parse, settings.maxPenalty());
    double jitter = read(annotations, JITTER, name, Double::parseDouble, settings.jitterRatio());
    if (maxFailures < 1 || minPenalty.compareTo(maxPenalty) > 0 || jitter < 0 || jitter > 100) {
      log.warn("{}: failure accrual needs max failures of at least 1, a min penalty no longer than the max and a "
          + "jitter ratio in 0..100; using the defaults", name);
      maxFailures = settings.maxFailures();
      minPenalty = settings.minPenalty();
      maxPenalty = settings.maxPenalty();
      jitter = settings.jitterRatio();
    }
    return Optional.of(FailureAccrual.newBuilder().setConsecutiveFailures(FailureAccrual.ConsecutiveFailures.newBuilder()
        .setMaxFailures(maxFailures).setBackoff(backoff(minPenalty, maxPenalty, jitter))).build());
  }

  /**
   * The HTTP retry its {@code retry.linkerd.io/http}, {@code /limit} and {@code /timeout} annotations
   * ask for (any of them turns retries on; 5xx when no statuses are named), or none.
   */
  Optional<HttpRoute.Retry> httpRetry(ResourceMeta meta, String kind) {
    Map<String, String> annotations = meta.annotations();
    if (!asksForRetries(annotations, RETRY_HTTP)) {
      return Optional.empty();
    }
    String name = name(meta, kind);
    HttpRoute.Retry.Conditions.Builder conditions = HttpRoute.Retry.Conditions.newBuilder();
    try {
      for (String part : annotations.getOrDefault(RETRY_HTTP, SERVER_ERRORS).split(",")) {
        int[] range = statusRange(part.trim());
        conditions.addStatusRanges(HttpRoute.Retry.Conditions.StatusRange.newBuilder().setStart(range[0]).setEnd(range[1]));
      }
    } catch (IllegalArgumentException e) {
      log.warn("{}: {} \"{}\" cannot be read ({}); no retries", name, RETRY_HTTP, annotations.get(RETRY_HTTP), e.getMessage());
      return Optional.empty();
    }
    RetryBounds bounds = bounds(annotations, name);
    HttpRoute.Retry.Builder retry = HttpRoute.Retry.newBuilder().setConditions(conditions).setMaxRetries(bounds.limit())
        .setMaxRequestBytes(bounds.maxRequestBytes()).setBackoff(bounds.backoff());
    bounds.perTry().ifPresent(retry::setTimeout);
    return Optional.of(retry.build());
  }

  /**
   * The gRPC retry its {@code retry.linkerd.io/grpc}, {@code /limit} and {@code /timeout} annotations
   * ask for (codes by their names, e.g. {@code unavailable,internal}), or none.
   */
  Optional<GrpcRoute.Retry> grpcRetry(ResourceMeta meta, String kind) {
    Map<String, String> annotations = meta.annotations();
    if (!asksForRetries(annotations, RETRY_GRPC)) {
      return Optional.empty();
    }
    String name = name(meta, kind);
    GrpcRoute.Retry.Conditions.Builder conditions = GrpcRoute.Retry.Conditions.newBuilder();
    for (String code : annotations.getOrDefault(RETRY_GRPC, DEFAULT_GRPC_CODES).split(",")) {
      switch (code.trim().toLowerCase(java.util.Locale.ROOT)) {
        case "cancelled" -> conditions.setCancelled(true);
        case "deadline-exceeded" -> conditions.setDeadineExceeded(true);
        case "resource-exhausted" -> conditions.setResourceExhausted(true);
        case "internal" -> conditions.setInternal(true);
        case "unavailable" -> conditions.setUnavailable(true);
        default -> {
          log.warn("{}: {} names '{}', which is not a gRPC code this mesh retries (cancelled, deadline-exceeded, "
              + "resource-exhausted, internal, unavailable); no retries", name, RETRY_GRPC, code.trim());
          return Optional.empty();
        }
      }
    }
    RetryBounds bounds = bounds(annotations, name);
    GrpcRoute.Retry.Builder retry = GrpcRoute.Retry.newBuilder().setConditions(conditions).setMaxRetries(bounds.limit())
        .setMaxRequestBytes(bounds.maxRequestBytes()).setBackoff(bounds.backoff());
    bounds.perTry().ifPresent(retry::setTimeout);
    return Optional.of(retry.build());
  }

  /** What both kinds of retry take from the annotations and the settings. */
  private record RetryBounds(int limit, int maxRequestBytes, ExponentialBackoff backoff, Optional<Duration> perTry) {}

  private RetryBounds bounds(Map<String, String> annotations, String name) {
    return new RetryBounds(read(annotations, RETRY_LIMIT, name, Integer::parseUnsignedInt, settings.defaultRetryLimit()),
        (int) settings.maxRetryRequestBytes(), backoff(settings.retryMinBackoff(), settings.retryMaxBackoff(), settings.retryJitterRatio()),
        Optional.ofNullable(read(annotations, RETRY_TIMEOUT, name, GoDurations::parse, null)).map(PolicyAnnotations::duration));
  }

  /** Any of the protocol's statuses, the limit or the per-try timeout turns retries on. */
  private static boolean asksForRetries(Map<String, String> annotations, String statuses) {
    return annotations.containsKey(statuses) || annotations.containsKey(RETRY_LIMIT) || annotations.containsKey(RETRY_TIMEOUT);
  }

  /** The timeouts its {@code timeout.linkerd.io/request}, {@code /response} and {@code /idle} annotations give, or none. */
  Optional<Timeouts> timeouts(ResourceMeta meta, String kind) {
    Map<String, String> annotations = meta.annotations();
    String name = name(meta, kind);
    Timeouts.Builder timeouts = Timeouts.newBuilder();
    Optional.ofNullable(read(annotations, TIMEOUT_REQUEST, name, GoDurations::parse, null)).ifPresent(d -> timeouts.setRequest(duration(d)));
    Optional.ofNullable(read(annotations, TIMEOUT_RESPONSE, name, GoDurations::parse, null)).ifPresent(d -> timeouts.setResponse(duration(d)));
    Optional.ofNullable(read(annotations, TIMEOUT_IDLE, name, GoDurations::parse, null)).ifPresent(d -> timeouts.setIdle(duration(d)));
    return timeouts.hasRequest() || timeouts.hasResponse() || timeouts.hasIdle() ? Optional.of(timeouts.build()) : Optional.empty();
  }

  /** {@code 5xx}, {@code gateway-error} (502–504), one status, or {@code a-b}. */
  private static int[] statusRange(String text) {
    return switch (text) {
      case SERVER_ERRORS -> new int[] {500, 599};
      case "gateway-error" -> new int[] {502, 504};
      default -> {
        int dash = text.indexOf('-');
        int start = Integer.parseInt(dash < 0 ? text : text.substring(0, dash));
        int end = dash < 0 ? start : Integer.parseInt(text.substring(dash + 1));
        if (start < 100 || end > 599 || start > end) {
          throw new IllegalArgumentException("'" + text + "' is not a status or a range of statuses from 100 to 599");
        }
        yield new int[] {start, end};
      }
    };
  }

  private static ExponentialBackoff backoff(java.time.Duration min, java.time.Duration max, double jitter) {
    return ExponentialBackoff.newBuilder().setMinBackoff(duration(min)).setMaxBackoff(duration(max)).setJitterRatio((float) jitter).build();
  }

  private static String name(ResourceMeta meta, String kind) {
    return kind + " " + meta.namespace() + "/" + meta.name();
  }

  private static <T> T read(Map<String, String> annotations, String key, String object, Function<String, T> parse, T fallback) {
    String value = annotations.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      return parse.apply(value.trim());
    } catch (RuntimeException e) {
      log.warn("{}: {} \"{}\" cannot be read ({}); using {}", object, key, value, e.getMessage(), fallback);
      return fallback;
    }
  }

  static Duration duration(java.time.Duration d) {
    return Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }
}
