package io.weft.proxy.route;

import io.linkerd.proxy.http_route.Timeouts;
import io.linkerd.proxy.meta.Metadata;
import io.linkerd.proxy.outbound.Backend;
import io.linkerd.proxy.outbound.ExponentialBackoff;
import io.linkerd.proxy.outbound.GrpcRoute;
import io.linkerd.proxy.outbound.HttpRoute;
import io.linkerd.proxy.outbound.OutboundPolicy;
import io.linkerd.proxy.outbound.ProxyProtocol;
import io.weft.streams.http.Request;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * A Service's outbound policy compiled for the request path: its HTTP (or gRPC) routes, in the
 * control plane's order, and the {@code parent_*} labels of their metrics. {@link #select} finds the
 * rule a request takes as the Gateway API says ({@link RouteSelection}).
 */
public record PolicyRoutes(Map<String, String> parent, boolean grpc, List<PolicyRoute> routes) {
  public static final PolicyRoutes NONE = new PolicyRoutes(Map.of(), false, List.of());

  /** The rule a request takes, and the match that chose it. */
  public record Selected(PolicyRoute route, PolicyRoute.Rule rule, RouteMatch match) {}

  public static PolicyRoutes of(OutboundPolicy policy) {
    ProxyProtocol protocol = policy.getProtocol();
    Map<String, String> parent = labels("parent", policy.getMetadata());
    return switch (protocol.getKindCase()) {
      case DETECT -> new PolicyRoutes(parent, false, protocol.getDetect().getHttp1().getRoutesList().stream().map(PolicyRoutes::http).toList());
      case HTTP1 -> new PolicyRoutes(parent, false, protocol.getHttp1().getRoutesList().stream().map(PolicyRoutes::http).toList());
      case HTTP2 -> new PolicyRoutes(parent, false, protocol.getHttp2().getRoutesList().stream().map(PolicyRoutes::http).toList());
      case GRPC -> new PolicyRoutes(parent, true, protocol.getGrpc().getRoutesList().stream().map(PolicyRoutes::grpc).toList());
      default -> new PolicyRoutes(parent, false, List.of());
    };
  }

  public Optional<Selected> select(Request request, RequestParts parts) {
    return RouteSelection.select(routes, PolicyRoute::hosts, PolicyRoute::rules, PolicyRoute.Rule::matches, request, parts)
        .map(c -> new Selected(c.route(), c.rule(), c.match()));
  }

  private static PolicyRoute http(HttpRoute route) {
    List<PolicyRoute.Rule> rules = new ArrayList<>();
    for (HttpRoute.Rule rule : route.getRulesList()) {
      List<RouteMatch> matches = rule.getMatchesList().stream().map(RouteMatch::of).toList();
      List<RouteFilter> filters = new ArrayList<>();
      rule.getFiltersList().forEach(f -> httpFilter(f).ifPresent(filters::add));
      List<PolicyRoute.RouteBackend> backends = new ArrayList<>();
      switch (rule.getBackends().getKindCase()) {
        case FIRST_AVAILABLE -> rule.getBackends().getFirstAvailable().getBackendsList().stream().limit(1)
            .forEach(b -> backends.add(backend(b.getBackend(), 1, b.getRequestTimeout(), httpFilters(b.getFiltersList()))));
        case RANDOM_AVAILABLE -> rule.getBackends().getRandomAvailable().getBackendsList().forEach(b -> backends.add(
            backend(b.getBackend().getBackend(), b.getWeight(), b.getBackend().getRequestTimeout(), httpFilters(b.getBackend().getFiltersList()))));
        default -> { }
      }
      Optional<PolicyRoute.Retry> retry = rule.hasRetry() ? Optional.of(new PolicyRoute.Retry(rule.getRetry().getMaxRetries(),
          rule.getRetry().getConditions().getStatusRangesList().stream().map(r -> new PolicyRoute.StatusRange(r.getStart(), r.getEnd())).toList(),
          Set.of(), optional(rule.getRetry().hasTimeout(), rule.getRetry().getTimeout()), rule.getRetry().getMaxRequestBytes(),
          backoff(rule.getRetry().hasBackoff(), rule.getRetry().getBackoff()))) : Optional.empty();
      rules.add(new PolicyRoute.Rule(matches.isEmpty() ? List.of(RouteMatch.EVERYTHING) : matches, filters, backends,
          timeout(rule.hasTimeouts(), rule.getTimeouts()), optional(rule.getTimeouts().hasIdle(), rule.getTimeouts().getIdle()), retry));
    }
    return new PolicyRoute(labels("route", route.getMetadata()), route.getHostsList().stream().map(HostMatch::of).toList(), rules);
  }

  private static PolicyRoute grpc(GrpcRoute route) {
    List<PolicyRoute.Rule> rules = new ArrayList<>();
    for (GrpcRoute.Rule rule : route.getRulesList()) {
      List<RouteMatch> matches = rule.getMatchesList().stream().map(RouteMatch::of).toList();
      List<RouteFilter> filters = new ArrayList<>();
      rule.getFiltersList().forEach(f -> grpcFilter(f).ifPresent(filters::add));
      List<PolicyRoute.RouteBackend> backends = new ArrayList<>();
      switch (rule.getBackends().getKindCase()) {
        case FIRST_AVAILABLE -> rule.getBackends().getFirstAvailable().getBackendsList().stream().limit(1)
            .forEach(b -> backends.add(backend(b.getBackend(), 1, b.getRequestTimeout(), grpcFilters(b.getFiltersList()))));
        case RANDOM_AVAILABLE -> rule.getBackends().getRandomAvailable().getBackendsList().forEach(b -> backends.add(
            backend(b.getBackend().getBackend(), b.getWeight(), b.getBackend().getRequestTimeout(), grpcFilters(b.getBackend().getFiltersList()))));
        default -> { }
      }
      Optional<PolicyRoute.Retry> retry = Optional.empty();
      if (rule.hasRetry()) {
        GrpcRoute.Retry.Conditions c = rule.getRetry().getConditions();
        Set<Integer> codes = new HashSet<>();
        add(codes, c.getCancelled(), 1);
        add(codes, c.getDeadineExceeded(), 4);
        add(codes, c.getResourceExhausted(), 8);
        add(codes, c.getInternal(), 13);
        add(codes, c.getUnavailable(), 14);
        retry = Optional.of(new PolicyRoute.Retry(rule.getRetry().getMaxRetries(), List.of(), Set.copyOf(codes),
            optional(rule.getRetry().hasTimeout(), rule.getRetry().getTimeout()), rule.getRetry().getMaxRequestBytes(),
            backoff(rule.getRetry().hasBackoff(), rule.getRetry().getBackoff())));
      }
      rules.add(new PolicyRoute.Rule(matches.isEmpty() ? List.of(RouteMatch.EVERYTHING) : matches, filters, backends,
          timeout(rule.hasTimeouts(), rule.getTimeouts()), optional(rule.getTimeouts().hasIdle(), rule.getTimeouts().getIdle()), retry));
    }
    return new PolicyRoute(labels("route", route.getMetadata()), route.getHostsList().stream().map(HostMatch::of).toList(), rules);
  }

  private static void add(Set<Integer> codes, boolean on, int code) {
    if (on) {
      codes.add(code);
    }
  }

  private static Optional<RouteFilter> httpFilter(HttpRoute.Filter f) {
    return switch (f.getKindCase()) {
      case REQUEST_HEADER_MODIFIER -> Optional.of(RouteFilter.HeaderModifier.of(false, f.getRequestHeaderModifier().getSet(),
          f.getRequestHeaderModifier().getAdd(), f.getRequestHeaderModifier().getRemoveList()));
      case RESPONSE_HEADER_MODIFIER -> Optional.of(RouteFilter.HeaderModifier.of(true, f.getResponseHeaderModifier().getSet(),
          f.getResponseHeaderModifier().getAdd(), f.getResponseHeaderModifier().getRemoveList()));
      case REDIRECT -> Optional.of(RouteFilter.Redirect.of(f.getRedirect()));
      case FAILURE_INJECTOR -> Optional.of(RouteFilter.FailureInjector.of(f.getFailureInjector().getStatus(),
          f.getFailureInjector().getMessage(), f.getFailureInjector().hasRatio(), f.getFailureInjector().getRatio()));
      default -> Optional.empty();
    };
  }

  private static Optional<RouteFilter> grpcFilter(GrpcRoute.Filter f) {
    return switch (f.getKindCase()) {
      case REQUEST_HEADER_MODIFIER -> Optional.of(RouteFilter.HeaderModifier.of(false, f.getRequestHeaderModifier().getSet(),
          f.getRequestHeaderModifier().getAdd(), f.getRequestHeaderModifier().getRemoveList()));
      case FAILURE_INJECTOR -> Optional.of(RouteFilter.FailureInjector.of(f.getFailureInjector().getCode(),
          f.getFailureInjector().getMessage(), f.getFailureInjector().hasRatio(), f.getFailureInjector().getRatio()));
      default -> Optional.empty();
    };
  }

  private static List<RouteFilter> httpFilters(List<HttpRoute.Filter> filters) {
    List<RouteFilter> out = new ArrayList<>();
    filters.forEach(f -> httpFilter(f).ifPresent(out::add));
    return out;
  }

  private static List<RouteFilter> grpcFilters(List<GrpcRoute.Filter> filters) {
    List<RouteFilter> out = new ArrayList<>();
    filters.forEach(f -> grpcFilter(f).ifPresent(out::add));
    return out;
  }

  private static PolicyRoute.RouteBackend backend(Backend backend, long weight, com.google.protobuf.Duration timeout, List<RouteFilter> filters) {
    Optional<String> authority = backend.hasBalancer() && backend.getBalancer().getDiscovery().hasDst()
        ? Optional.of(backend.getBalancer().getDiscovery().getDst().getPath()) : Optional.empty();
    return new PolicyRoute.RouteBackend(authority, labels("backend", backend.getMetadata()), weight,
        optional(timeout.getSeconds() != 0 || timeout.getNanos() != 0, timeout), filters);
  }

  /** Timeouts here end at the response head: the sooner of the request and response timeouts. */
  private static Optional<Duration> timeout(boolean set, Timeouts timeouts) {
    if (!set) {
      return Optional.empty();
    }
    Optional<Duration> request = optional(timeouts.hasRequest(), timeouts.getRequest());
    Optional<Duration> response = optional(timeouts.hasResponse(), timeouts.getResponse());
    if (request.isPresent() && response.isPresent()) {
      return Optional.of(request.get().compareTo(response.get()) < 0 ? request.get() : response.get());
    }
    return request.or(() -> response);
  }

  private static Optional<PolicyRoute.Backoff> backoff(boolean set, ExponentialBackoff b) {
    return set ? Optional.of(new PolicyRoute.Backoff(duration(b.getMinBackoff()), duration(b.getMaxBackoff()), b.getJitterRatio()))
        : Optional.empty();
  }

  /**
   * {@code <prefix>_group}, {@code _kind}, {@code _name}, {@code _namespace}, and for parents and
   * backends {@code _port} and {@code _section_name}, as Linkerd labels them.
   */
  private static Map<String, String> labels(String prefix, Metadata metadata) {
    Map<String, String> labels = new LinkedHashMap<>();
    boolean resource = metadata.hasResource();
    labels.put(prefix + "_group", resource ? metadata.getResource().getGroup() : "");
    labels.put(prefix + "_kind", resource ? metadata.getResource().getKind() : "default");
    labels.put(prefix + "_name", resource ? metadata.getResource().getName() : metadata.getDefault());
    labels.put(prefix + "_namespace", resource ? metadata.getResource().getNamespace() : "");
    if (!prefix.equals("route")) {
      labels.put(prefix + "_port", resource && metadata.getResource().getPort() != 0 ? Integer.toString(metadata.getResource().getPort()) : "");
      labels.put(prefix + "_section_name", resource ? metadata.getResource().getSection() : "");
    }
    return java.util.Collections.unmodifiableMap(labels);
  }

  private static Optional<Duration> optional(boolean set, com.google.protobuf.Duration d) {
    return set ? Optional.of(duration(d)) : Optional.empty();
  }

  private static Duration duration(com.google.protobuf.Duration d) {
    return Duration.ofSeconds(d.getSeconds(), d.getNanos());
  }
}
