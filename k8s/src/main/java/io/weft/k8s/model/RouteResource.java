package io.weft.k8s.model;

import java.time.Duration;
import java.util.List;

/**
 * An HTTPRoute ({@code policy.linkerd.io} or {@code gateway.networking.k8s.io}) or a GRPCRoute
 * ({@code gateway.networking.k8s.io}), in the one shape both take: parents it attaches to, the
 * hostnames it answers for, and its rules. Which kind it is is {@link #resourceKind()}.
 * {@code created} is the object's creationTimestamp (RFC 3339, so it sorts as text): routes are
 * ordered by it, then by name, as Linkerd's policy controller orders them.
 */
public record RouteResource(ResourceMeta meta, ResourceKind kind, String created, List<ParentRef> parents,
                            List<String> hostnames, List<Rule> rules) implements KubeResource {
  /** Linkerd's order of routes: oldest first, then by namespace and name. */
  public static final java.util.Comparator<RouteResource> LINKERD_ORDER = java.util.Comparator.comparing(RouteResource::created)
      .thenComparing(r -> r.meta().namespace()).thenComparing(r -> r.meta().name()).thenComparing(r -> r.kind().ordinal());

  public RouteResource {
    created = created == null ? "" : created;
    parents = List.copyOf(parents);
    hostnames = List.copyOf(hostnames);
    rules = List.copyOf(rules);
  }

  /** Whether one of its parents is the Server {@code namespace/name}. */
  public boolean attachesToServer(String namespace, String name) {
    return parents.stream().anyMatch(p -> p.isServer() && p.name().equals(name) && p.namespace().equals(namespace));
  }

  /** Whether this is a GRPCRoute (its matches name gRPC methods, its retries gRPC codes). */
  public boolean grpc() {
    return kind == ResourceKind.GRPC_ROUTE;
  }

  /** A parent: {@code namespace} is the route's own when the reference leaves it out; {@code port} 0 means every port. */
  public record ParentRef(String group, String kind, String namespace, String name, int port) {
    /** Whether it names a Service (group {@code core} or empty), as a GAMMA route for outbound traffic does. */
    public boolean isService() {
      return kind.equals("Service") && (group.isEmpty() || group.equals("core"));
    }

    /** Whether it names a Server ({@code policy.linkerd.io}), as a route for inbound policy does. */
    public boolean isServer() {
      return kind.equals("Server") && group.equals("policy.linkerd.io");
    }
  }

  /** {@code requestTimeout} and {@code backendRequestTimeout} are null when unset. */
  public record Rule(List<Match> matches, List<Filter> filters, List<BackendRef> backends, Duration requestTimeout,
                     Duration backendRequestTimeout) {
    public Rule {
      matches = List.copyOf(matches);
      filters = List.copyOf(filters);
      backends = List.copyOf(backends);
    }
  }

  /**
   * One match, every part of which must hold: for an HTTPRoute a path (never null; the Gateway
   * API's default is the prefix {@code /}), headers, query parameters and a method (null for any);
   * for a GRPCRoute a gRPC method (null for any) and headers.
   */
  public record Match(PathMatch path, List<ValueMatch> headers, List<ValueMatch> queryParams, String method,
                      GrpcMethod grpcMethod) {
    public Match {
      headers = List.copyOf(headers);
      queryParams = List.copyOf(queryParams);
    }
  }

  public enum PathType { EXACT, PREFIX, REGEX }

  public record PathMatch(PathType type, String value) {}

  /** A header or query parameter that must equal {@code value}, or match it as a regular expression. */
  public record ValueMatch(String name, boolean regex, String value) {}

  /** A gRPC service and method, matched exactly; an empty one matches any. */
  public record GrpcMethod(String service, String method) {}

  /** Exactly one field is set (a record rather than a hierarchy so it serializes plainly). */
  public record Filter(HeaderModifier requestHeaders, HeaderModifier responseHeaders, Redirect redirect) {}

  /** Applied as set, add, remove. */
  public record HeaderModifier(List<Header> set, List<Header> add, List<String> remove) {
    public HeaderModifier {
      set = List.copyOf(set);
      add = List.copyOf(add);
      remove = List.copyOf(remove);
    }
  }

  public record Header(String name, String value) {}

  /**
   * Answers with a redirect instead of forwarding: each null or 0 field keeps the request's own;
   * {@code pathType} is {@code ReplaceFullPath} or {@code ReplacePrefixMatch} (or null).
   */
  public record Redirect(String scheme, String hostname, String pathType, String path, int port, int statusCode) {}

  /** A backend Service port, its namespace filled in; {@code weight} is a share among the rule's backends (0: none). */
  public record BackendRef(String group, String kind, String namespace, String name, int port, int weight) {}

  @Override public ResourceKind resourceKind() { return kind; }

  @Override public RouteResource withResourceVersion(String rv) {
    return new RouteResource(meta.withResourceVersion(rv), kind, created, parents, hostnames, rules);
  }
}
