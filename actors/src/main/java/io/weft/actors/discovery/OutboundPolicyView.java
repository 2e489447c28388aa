package io.weft.actors.discovery;

import com.google.protobuf.Duration;
import io.linkerd.proxy.outbound.Backend;
import io.linkerd.proxy.outbound.ExponentialBackoff;
import io.linkerd.proxy.outbound.FailureAccrual;
import io.linkerd.proxy.outbound.HttpRoute;
import io.linkerd.proxy.outbound.OpaqueRoute;
import io.linkerd.proxy.outbound.OutboundPolicy;
import io.linkerd.proxy.outbound.ProxyProtocol;
import io.linkerd.proxy.outbound.Queue;
import io.linkerd.proxy.http_route.HttpRouteMatch;
import io.linkerd.proxy.http_route.PathMatch;
import io.linkerd.proxy.meta.Metadata;
import io.linkerd.proxy.meta.Resource;
import io.weft.actors.state.ServiceInputs;
import io.weft.k8s.decode.GoDurations;
import io.weft.k8s.model.ServiceResource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;
import java.util.Optional;

/**
 * Computes {@code OutboundPolicies} answers for a Service port, as Linkerd's policy controller does
 * when no HTTPRoute names the Service: the default route to the Service's own backend (P2C over
 * its endpoints, behind a failfast queue), HTTP or opaque by the port's opaqueness, the failure
 * accrual its {@code balancer.linkerd.io/failure-accrual*} annotations ask for, and the retries
 * and timeouts of its {@code retry.linkerd.io/*} and {@code timeout.linkerd.io/*} annotations. An
 * annotation that cannot be read is ignored with a warning naming the Service, and its default
 * stands.
 */
public final class OutboundPolicyView {
  private static final Logger log = LoggerFactory.getLogger(OutboundPolicyView.class);
  static final String FAILURE_ACCRUAL = "balancer.linkerd.io/failure-accrual";
  static final String MAX_FAILURES = "balancer.linkerd.io/failure-accrual-consecutive-max-failures";
  static final String MIN_PENALTY = "balancer.linkerd.io/failure-accrual-consecutive-min-penalty";
  static final String MAX_PENALTY = "balancer.linkerd.io/failure-accrual-consecutive-max-penalty";
  static final String JITTER = "balancer.linkerd.io/failure-accrual-consecutive-jitter-ratio";
  private static final String CONSECUTIVE = "consecutive";
  static final String RETRY_HTTP = "retry.linkerd.io/http";
  static final String RETRY_LIMIT = "retry.linkerd.io/limit";
  static final String RETRY_TIMEOUT = "retry.linkerd.io/timeout";
  static final String TIMEOUT_REQUEST = "timeout.linkerd.io/request";
  static final String TIMEOUT_RESPONSE = "timeout.linkerd.io/response";
  static final String TIMEOUT_IDLE = "timeout.linkerd.io/idle";
  private static final String SERVER_ERRORS = "5xx";

  private final DiscoverySettings discovery;
  private final OutboundPolicySettings settings;
  private final EndpointView endpoints;

  public OutboundPolicyView(DiscoverySettings discovery, OutboundPolicySettings settings, EndpointView endpoints) {
    this.discovery = discovery;
    this.settings = settings;
    this.endpoints = endpoints;
  }

  public OutboundPolicy forService(DestinationTarget.ServicePort target, ServiceInputs inputs) {
    Metadata service = Metadata.newBuilder().setResource(Resource.newBuilder().setGroup("core").setKind("Service")
        .setName(target.name()).setNamespace(target.namespace()).setPort(target.port())).build();
    Backend backend = Backend.newBuilder().setMetadata(service)
        .setQueue(Queue.newBuilder().setCapacity(settings.queueCapacity()).setFailfastTimeout(duration(settings.failfastTimeout())))
        .setBalancer(Backend.BalanceP2c.newBuilder()
            .setDiscovery(Backend.EndpointDiscovery.newBuilder().setDst(Backend.EndpointDiscovery.DestinationGet.newBuilder()
                .setPath(target.fullyQualifiedName(discovery.clusterDomain()) + ":" + target.port())))
            .setPeakEwma(Backend.BalanceP2c.PeakEwma.newBuilder().setDefaultRtt(duration(settings.ewmaDefaultRtt()))
                .setDecay(duration(settings.ewmaDecay()))))
        .build();
    ProxyProtocol.Opaque opaque = ProxyProtocol.Opaque.newBuilder().addRoutes(OpaqueRoute.newBuilder()
        .setMetadata(Metadata.newBuilder().setDefault("opaq"))
        .addRules(OpaqueRoute.Rule.newBuilder().setBackends(OpaqueRoute.Distribution.newBuilder()
            .setFirstAvailable(OpaqueRoute.Distribution.FirstAvailable.newBuilder()
                .addBackends(OpaqueRoute.RouteBackend.newBuilder().setBackend(backend)))))).build();
    ProxyProtocol.Builder protocol = ProxyProtocol.newBuilder();
    if (endpoints.opaqueServicePort(inputs.service(), target.port())) {
      protocol.setOpaque(opaque);
    } else {
      HttpRoute.Rule.Builder rule = HttpRoute.Rule.newBuilder()
          .addMatches(HttpRouteMatch.newBuilder().setPath(PathMatch.newBuilder().setPrefix("/")))
          .setBackends(HttpRoute.Distribution.newBuilder().setFirstAvailable(HttpRoute.Distribution.FirstAvailable.newBuilder()
              .addBackends(HttpRoute.RouteBackend.newBuilder().setBackend(backend))));
      retry(inputs.service()).ifPresent(rule::setRetry);
      timeouts(inputs.service()).ifPresent(rule::setTimeouts);
      HttpRoute route = HttpRoute.newBuilder().setMetadata(Metadata.newBuilder().setDefault("http")).addRules(rule).build();
      ProxyProtocol.Http1.Builder http1 = ProxyProtocol.Http1.newBuilder().addRoutes(route);
      ProxyProtocol.Http2.Builder http2 = ProxyProtocol.Http2.newBuilder().addRoutes(route);
      failureAccrual(inputs.service()).ifPresent(accrual -> {
        http1.setFailureAccrual(accrual);
        http2.setFailureAccrual(accrual);
      });
      protocol.setDetect(ProxyProtocol.Detect.newBuilder().setTimeout(duration(settings.detectTimeout()))
          .setOpaque(opaque).setHttp1(http1).setHttp2(http2));
    }
    return OutboundPolicy.newBuilder().setMetadata(service).setProtocol(protocol).build();
  }

  /** Consecutive-failures accrual when the Service asks for it, with its knobs or Linkerd's defaults. */
  Optional<FailureAccrual> failureAccrual(ServiceResource service) {
    Map<String, String> annotations = service == null ? Map.of() : service.meta().annotations();
    String kind = annotations.get(FAILURE_ACCRUAL);
    if (kind == null) {
      return Optional.empty();
    }
    String name = service.meta().namespace() + "/" + service.meta().name();
    if (!kind.equals(CONSECUTIVE)) {
      log.warn("Service {}: {} \"{}\" is not a kind of failure accrual this mesh knows (consecutive); ignored", name,
          FAILURE_ACCRUAL, kind);
      return Optional.empty();
    }
    int maxFailures = read(annotations, MAX_FAILURES, name, Integer::parseInt, settings.maxFailures());
    java.time.Duration minPenalty = read(annotations, MIN_PENALTY, name, GoDurations::parse, settings.minPenalty());
    java.time.Duration maxPenalty = read(annotations, MAX_PENALTY, name, GoDurations::parse, settings.maxPenalty());
    double jitter = read(annotations, JITTER, name, Double::parseDouble, settings.jitterRatio());
    if (maxFailures < 1 || minPenalty.compareTo(maxPenalty) > 0 || jitter < 0 || jitter > 100) {
      log.warn("Service {}: failure accrual needs max failures of at least 1, a min penalty no longer than the max and a "
          + "jitter ratio in 0..100; using the defaults", name);
      maxFailures = settings.maxFailures();
      minPenalty = settings.minPenalty();
      maxPenalty = settings.maxPenalty();
      jitter = settings.jitterRatio();
    }
    return Optional.of(FailureAccrual.newBuilder().setConsecutiveFailures(FailureAccrual.ConsecutiveFailures.newBuilder()
        .setMaxFailures(maxFailures)
        .setBackoff(ExponentialBackoff.newBuilder().setMinBackoff(duration(minPenalty)).setMaxBackoff(duration(maxPenalty))
            .setJitterRatio((float) jitter))).build());
  }

  /**
   * The retry its {@code retry.linkerd.io/http}, {@code /limit} and {@code /timeout} annotations ask
   * for (any of them turns retries on; 5xx when no statuses are named), or none.
   */
  Optional<HttpRoute.Retry> retry(ServiceResource service) {
    Map<String, String> annotations = service == null ? Map.of() : service.meta().annotations();
    if (!annotations.containsKey(RETRY_HTTP) && !annotations.containsKey(RETRY_LIMIT) && !annotations.containsKey(RETRY_TIMEOUT)) {
      return Optional.empty();
    }
    String name = service.meta().namespace() + "/" + service.meta().name();
    HttpRoute.Retry.Conditions.Builder conditions = HttpRoute.Retry.Conditions.newBuilder();
    try {
      for (String part : annotations.getOrDefault(RETRY_HTTP, SERVER_ERRORS).split(",")) {
        int[] range = statusRange(part.trim());
        conditions.addStatusRanges(HttpRoute.Retry.Conditions.StatusRange.newBuilder().setStart(range[0]).setEnd(range[1]));
      }
    } catch (IllegalArgumentException e) {
      log.warn("Service {}: {} \"{}\" cannot be read ({}); no retries", name, RETRY_HTTP, annotations.get(RETRY_HTTP), e.getMessage());
      return Optional.empty();
    }
    HttpRoute.Retry.Builder retry = HttpRoute.Retry.newBuilder().setConditions(conditions)
        .setMaxRetries(read(annotations, RETRY_LIMIT, name, Integer::parseUnsignedInt, settings.defaultRetryLimit()))
        .setMaxRequestBytes((int) settings.maxRetryRequestBytes())
        .setBackoff(ExponentialBackoff.newBuilder().setMinBackoff(duration(settings.retryMinBackoff()))
            .setMaxBackoff(duration(settings.retryMaxBackoff())).setJitterRatio((float) settings.retryJitterRatio()));
    Optional.ofNullable(read(annotations, RETRY_TIMEOUT, name, GoDurations::parse, null))
        .ifPresent(timeout -> retry.setTimeout(duration(timeout)));
    return Optional.of(retry.build());
  }

  /** The timeouts its {@code timeout.linkerd.io/request}, {@code /response} and {@code /idle} annotations give, or none. */
  Optional<io.linkerd.proxy.http_route.Timeouts> timeouts(ServiceResource service) {
    Map<String, String> annotations = service == null ? Map.of() : service.meta().annotations();
    String name = service == null ? "" : service.meta().namespace() + "/" + service.meta().name();
    io.linkerd.proxy.http_route.Timeouts.Builder timeouts = io.linkerd.proxy.http_route.Timeouts.newBuilder();
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

  private static <T> T read(Map<String, String> annotations, String key, String service,
                            java.util.function.Function<String, T> parse, T fallback) {
    String value = annotations.get(key);
    if (value == null) {
      return fallback;
    }
    try {
      return parse.apply(value.trim());
    } catch (RuntimeException e) {
      log.warn("Service {}: {} \"{}\" cannot be read ({}); using {}", service, key, value, e.getMessage(), fallback);
      return fallback;
    }
  }

  private static Duration duration(java.time.Duration d) {
    return Duration.newBuilder().setSeconds(d.getSeconds()).setNanos(d.getNano()).build();
  }
}
