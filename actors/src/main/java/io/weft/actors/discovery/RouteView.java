package io.weft.actors.discovery;

import com.google.protobuf.ByteString;
import io.linkerd.proxy.grpc_route.GrpcFailureInjector;
import io.linkerd.proxy.grpc_route.GrpcRouteMatch;
import io.linkerd.proxy.grpc_route.GrpcRpcMatch;
import io.linkerd.proxy.http_route.HeaderMatch;
import io.linkerd.proxy.http_route.HostMatch;
import io.linkerd.proxy.http_route.HttpFailureInjector;
import io.linkerd.proxy.http_route.HttpRouteMatch;
import io.linkerd.proxy.http_route.PathMatch;
import io.linkerd.proxy.http_route.PathModifier;
import io.linkerd.proxy.http_route.QueryParamMatch;
import io.linkerd.proxy.http_route.RequestHeaderModifier;
import io.linkerd.proxy.http_route.RequestRedirect;
import io.linkerd.proxy.http_route.ResponseHeaderModifier;
import io.linkerd.proxy.http_types.HttpMethod;
import io.linkerd.proxy.http_types.Headers;
import io.linkerd.proxy.http_types.Scheme;
import io.linkerd.proxy.meta.Metadata;
import io.linkerd.proxy.meta.Resource;
import io.linkerd.proxy.outbound.Backend;
import io.linkerd.proxy.outbound.GrpcRoute;
import io.linkerd.proxy.outbound.HttpRoute;
import io.weft.k8s.model.ResourceMeta;
import io.weft.k8s.model.RouteResource;

import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * Turns the HTTPRoutes and GRPCRoutes whose parent is a Service into the routes of its outbound
 * policy, as Linkerd's policy controller does: matches, filters, weighted backends (each backend
 * Service balanced over its own endpoints; none named means the parent itself), the rule's timeouts
 * and the retries and timeouts of the route's annotations (else the Service's).
 */
final class RouteView {
  /** The proxy answers this for a backend it cannot send to. */
  private static final int INVALID_BACKEND_STATUS = 500;
  private static final int GRPC_INTERNAL = 13;

  /** A Service port's balanced backend. */
  interface Backends {
    Backend service(String namespace, String name, int port);
  }

  private final PolicyAnnotations annotations;

  RouteView(PolicyAnnotations annotations) {
    this.annotations = annotations;
  }

  /** Whether {@code route} attaches to the Service {@code namespace/name} on {@code port}. */
  static boolean attaches(RouteResource route, String namespace, String name, int port) {
    return route.parents().stream().anyMatch(p -> p.isService() && p.namespace().equals(namespace) && p.name().equals(name)
        && (p.port() == 0 || p.port() == port));
  }

  HttpRoute http(RouteResource route, ResourceMeta parent, int port, Backends backends) {
    ResourceMeta shaping = PolicyAnnotations.shapesRoutes(route.meta()) ? route.meta() : parent;
    String shapingKind = shaping == parent ? "Service" : route.kind().kindName();
    HttpRoute.Builder out = HttpRoute.newBuilder().setMetadata(metadata(route)).addAllHosts(hosts(route.hostnames()));
    for (RouteResource.Rule rule : route.rules()) {
      HttpRoute.Rule.Builder r = HttpRoute.Rule.newBuilder();
      if (rule.matches().isEmpty()) {
        r.addMatches(HttpRouteMatch.newBuilder().setPath(PathMatch.newBuilder().setPrefix("/")));
      }
      rule.matches().forEach(m -> r.addMatches(httpMatch(m)));
      for (RouteResource.Filter f : rule.filters()) {
        HttpRoute.Filter.Builder filter = HttpRoute.Filter.newBuilder();
        if (f.requestHeaders() != null) {
          filter.setRequestHeaderModifier(requestHeaders(f.requestHeaders()));
        } else if (f.responseHeaders() != null) {
          filter.setResponseHeaderModifier(responseHeaders(f.responseHeaders()));
        } else {
          filter.setRedirect(redirect(f.redirect()));
        }
        r.addFilters(filter);
      }
      HttpRoute.Distribution.RandomAvailable.Builder split = HttpRoute.Distribution.RandomAvailable.newBuilder();
      for (Target target : targets(rule, parent, port)) {
        HttpRoute.RouteBackend.Builder backend = HttpRoute.RouteBackend.newBuilder();
        target.backend(backends).ifPresentOrElse(backend::setBackend, () -> backend.addFilters(HttpRoute.Filter.newBuilder()
            .setFailureInjector(HttpFailureInjector.newBuilder().setStatus(INVALID_BACKEND_STATUS).setMessage(target.invalid()))));
        Optional.ofNullable(rule.backendRequestTimeout()).ifPresent(t -> backend.setRequestTimeout(PolicyAnnotations.duration(t)));
        split.addBackends(HttpRoute.WeightedRouteBackend.newBuilder().setBackend(backend).setWeight(target.weight()));
      }
      r.setBackends(HttpRoute.Distribution.newBuilder().setRandomAvailable(split));
      annotations.timeouts(shaping, shapingKind).ifPresent(r::setTimeouts);
      Optional.ofNullable(rule.requestTimeout()).ifPresent(t -> r.setTimeouts(r.getTimeouts().toBuilder().setRequest(PolicyAnnotations.duration(t))));
      annotations.httpRetry(shaping, shapingKind).ifPresent(r::setRetry);
      out.addRules(r);
    }
    return out.build();
  }

  GrpcRoute grpc(RouteResource route, ResourceMeta parent, int port, Backends backends) {
    ResourceMeta shaping = PolicyAnnotations.shapesRoutes(route.meta()) ? route.meta() : parent;
    String shapingKind = shaping == parent ? "Service" : route.kind().kindName();
    GrpcRoute.Builder out = GrpcRoute.newBuilder().setMetadata(metadata(route)).addAllHosts(hosts(route.hostnames()));
    for (RouteResource.Rule rule : route.rules()) {
      GrpcRoute.Rule.Builder r = GrpcRoute.Rule.newBuilder();
      if (rule.matches().isEmpty()) {
        r.addMatches(GrpcRouteMatch.getDefaultInstance());
      }
      rule.matches().forEach(m -> r.addMatches(grpcMatch(m)));
      for (RouteResource.Filter f : rule.filters()) {
        if (f.requestHeaders() != null) {
          r.addFilters(GrpcRoute.Filter.newBuilder().setRequestHeaderModifier(requestHeaders(f.requestHeaders())));
        }
      }
      GrpcRoute.Distribution.RandomAvailable.Builder split = GrpcRoute.Distribution.RandomAvailable.newBuilder();
      for (Target target : targets(rule, parent, port)) {
        GrpcRoute.RouteBackend.Builder backend = GrpcRoute.RouteBackend.newBuilder();
        target.backend(backends).ifPresentOrElse(backend::setBackend, () -> backend.addFilters(GrpcRoute.Filter.newBuilder()
            .setFailureInjector(GrpcFailureInjector.newBuilder().setCode(GRPC_INTERNAL).setMessage(target.invalid()))));
        Optional.ofNullable(rule.backendRequestTimeout()).ifPresent(t -> backend.setRequestTimeout(PolicyAnnotations.duration(t)));
        split.addBackends(GrpcRoute.WeightedRouteBackend.newBuilder().setBackend(backend).setWeight(target.weight()));
      }
      r.setBackends(GrpcRoute.Distribution.newBuilder().setRandomAvailable(split));
      annotations.timeouts(shaping, shapingKind).ifPresent(r::setTimeouts);
      Optional.ofNullable(rule.requestTimeout()).ifPresent(t -> r.setTimeouts(r.getTimeouts().toBuilder().setRequest(PolicyAnnotations.duration(t))));
      annotations.grpcRetry(shaping, shapingKind).ifPresent(r::setRetry);
      out.addRules(r);
    }
    return out.build();
  }

  /**
   * A route whose parent is a Server, as inbound policy carries it: its matches and the filters an
   * inbound proxy applies (request headers, redirects; response headers are the outbound side's),
   * admitted by {@code authorizations}.
   */
  static io.linkerd.proxy.inbound.HttpRoute inbound(RouteResource route, List<io.linkerd.proxy.inbound.Authz> authorizations) {
    io.linkerd.proxy.inbound.HttpRoute.Builder out = io.linkerd.proxy.inbound.HttpRoute.newBuilder().setMetadata(metadata(route))
        .addAllHosts(hosts(route.hostnames())).addAllAuthorizations(authorizations);
    for (RouteResource.Rule rule : route.rules()) {
      io.linkerd.proxy.inbound.HttpRoute.Rule.Builder r = io.linkerd.proxy.inbound.HttpRoute.Rule.newBuilder();
      if (rule.matches().isEmpty()) {
        r.addMatches(HttpRouteMatch.newBuilder().setPath(PathMatch.newBuilder().setPrefix("/")));
      }
      rule.matches().forEach(m -> r.addMatches(httpMatch(m)));
      for (RouteResource.Filter f : rule.filters()) {
        if (f.requestHeaders() != null) {
          r.addFilters(io.linkerd.proxy.inbound.HttpRoute.Filter.newBuilder().setRequestHeaderModifier(requestHeaders(f.requestHeaders())));
        } else if (f.redirect() != null) {
          r.addFilters(io.linkerd.proxy.inbound.HttpRoute.Filter.newBuilder().setRedirect(redirect(f.redirect())));
        }
      }
      out.addRules(r);
    }
    return out.build();
  }

  /** A GRPCRoute whose parent is a Server, as inbound policy carries it. */
  static io.linkerd.proxy.inbound.GrpcRoute inboundGrpc(RouteResource route, List<io.linkerd.proxy.inbound.Authz> authorizations) {
    io.linkerd.proxy.inbound.GrpcRoute.Builder out = io.linkerd.proxy.inbound.GrpcRoute.newBuilder().setMetadata(metadata(route))
        .addAllHosts(hosts(route.hostnames())).addAllAuthorizations(authorizations);
    for (RouteResource.Rule rule : route.rules()) {
      io.linkerd.proxy.inbound.GrpcRoute.Rule.Builder r = io.linkerd.proxy.inbound.GrpcRoute.Rule.newBuilder();
      if (rule.matches().isEmpty()) {
        r.addMatches(GrpcRouteMatch.getDefaultInstance());
      }
      rule.matches().forEach(m -> r.addMatches(grpcMatch(m)));
      for (RouteResource.Filter f : rule.filters()) {
        if (f.requestHeaders() != null) {
          r.addFilters(io.linkerd.proxy.inbound.GrpcRoute.Filter.newBuilder().setRequestHeaderModifier(requestHeaders(f.requestHeaders())));
        }
      }
      out.addRules(r);
    }
    return out.build();
  }

  /** Where a rule sends: its backendRefs, or the parent Service's own port when it names none. */
  private static List<Target> targets(RouteResource.Rule rule, ResourceMeta parent, int port) {
    if (rule.backends().isEmpty()) {
      return List.of(new Target(new RouteResource.BackendRef("", "Service", parent.namespace(), parent.name(), port, 1)));
    }
    return rule.backends().stream().map(Target::new).toList();
  }

  private record Target(RouteResource.BackendRef ref) {
    int weight() {
      return ref.weight();
    }

    Optional<Backend> backend(Backends backends) {
      boolean service = ref.kind().equals("Service") && (ref.group().isEmpty() || ref.group().equals("core"));
      return service ? Optional.of(backends.service(ref.namespace(), ref.name(), ref.port())) : Optional.empty();
    }

    String invalid() {
      return "backend " + ref.kind() + " " + ref.namespace() + "/" + ref.name() + " is not a Service";
    }
  }

  private static Metadata metadata(RouteResource route) {
    return Metadata.newBuilder().setResource(Resource.newBuilder().setGroup(route.kind().group())
        .setKind(route.kind().kindName()).setName(route.meta().name()).setNamespace(route.meta().namespace())).build();
  }

  /** {@code *.example.com} is a suffix match, carried as its labels reversed. */
  private static List<HostMatch> hosts(List<String> hostnames) {
    return hostnames.stream().map(h -> {
      if (h.startsWith("*.")) {
        List<String> labels = new java.util.ArrayList<>(List.of(h.substring(2).split("\\.")));
        java.util.Collections.reverse(labels);
        return HostMatch.newBuilder().setSuffix(HostMatch.Suffix.newBuilder().addAllReverseLabels(labels)).build();
      }
      return HostMatch.newBuilder().setExact(h).build();
    }).toList();
  }

  private static HttpRouteMatch httpMatch(RouteResource.Match m) {
    HttpRouteMatch.Builder match = HttpRouteMatch.newBuilder();
    PathMatch.Builder path = PathMatch.newBuilder();
    switch (m.path().type()) {
      case EXACT -> path.setExact(m.path().value());
      case PREFIX -> path.setPrefix(m.path().value());
      case REGEX -> path.setRegex(m.path().value());
    }
    match.setPath(path);
    m.headers().forEach(h -> match.addHeaders(header(h)));
    for (RouteResource.ValueMatch q : m.queryParams()) {
      QueryParamMatch.Builder query = QueryParamMatch.newBuilder().setName(q.name());
      match.addQueryParams(q.regex() ? query.setRegex(q.value()) : query.setExact(q.value()));
    }
    if (m.method() != null) {
      match.setMethod(method(m.method()));
    }
    return match.build();
  }

  private static GrpcRouteMatch grpcMatch(RouteResource.Match m) {
    GrpcRouteMatch.Builder match = GrpcRouteMatch.newBuilder();
    if (m.grpcMethod() != null) {
      match.setRpc(GrpcRpcMatch.newBuilder().setService(m.grpcMethod().service()).setMethod(m.grpcMethod().method()));
    }
    m.headers().forEach(h -> match.addHeaders(header(h)));
    return match.build();
  }

  private static HeaderMatch header(RouteResource.ValueMatch h) {
    HeaderMatch.Builder header = HeaderMatch.newBuilder().setName(h.name().toLowerCase(Locale.ROOT));
    return (h.regex() ? header.setRegex(h.value()) : header.setExact(ByteString.copyFromUtf8(h.value()))).build();
  }

  private static HttpMethod method(String method) {
    try {
      return HttpMethod.newBuilder().setRegistered(HttpMethod.Registered.valueOf(method)).build();
    } catch (IllegalArgumentException e) {
      return HttpMethod.newBuilder().setUnregistered(method).build();
    }
  }

  private static RequestHeaderModifier requestHeaders(RouteResource.HeaderModifier m) {
    return RequestHeaderModifier.newBuilder().setAdd(headers(m.add())).setSet(headers(m.set())).addAllRemove(m.remove()).build();
  }

  private static ResponseHeaderModifier responseHeaders(RouteResource.HeaderModifier m) {
    return ResponseHeaderModifier.newBuilder().setAdd(headers(m.add())).setSet(headers(m.set())).addAllRemove(m.remove()).build();
  }

  private static Headers headers(List<RouteResource.Header> headers) {
    Headers.Builder out = Headers.newBuilder();
    headers.forEach(h -> out.addHeaders(Headers.Header.newBuilder().setName(h.name()).setValue(ByteString.copyFromUtf8(h.value()))));
    return out.build();
  }

  private static RequestRedirect redirect(RouteResource.Redirect r) {
    RequestRedirect.Builder out = RequestRedirect.newBuilder().setStatus(r.statusCode()).setPort(r.port());
    if (r.scheme() != null) {
      out.setScheme(Scheme.newBuilder().setRegistered(r.scheme().equals("https") ? Scheme.Registered.HTTPS : Scheme.Registered.HTTP));
    }
    if (r.hostname() != null) {
      out.setHost(r.hostname());
    }
    if (r.pathType() != null) {
      out.setPath(r.pathType().equals("ReplaceFullPath") ? PathModifier.newBuilder().setFull(r.path())
          : PathModifier.newBuilder().setPrefix(r.path()));
    }
    return out.build();
  }
}
