package io.weft.k8s.decode;

import io.weft.k8s.model.ResourceKind;
import io.weft.k8s.model.ResourceMeta;
import io.weft.k8s.model.RouteResource;
import io.weft.k8s.model.RouteResource.BackendRef;
import io.weft.k8s.model.RouteResource.Filter;
import io.weft.k8s.model.RouteResource.GrpcMethod;
import io.weft.k8s.model.RouteResource.Header;
import io.weft.k8s.model.RouteResource.HeaderModifier;
import io.weft.k8s.model.RouteResource.Match;
import io.weft.k8s.model.RouteResource.PathMatch;
import io.weft.k8s.model.RouteResource.PathType;
import io.weft.k8s.model.RouteResource.Redirect;
import io.weft.k8s.model.RouteResource.ValueMatch;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Decodes HTTPRoutes and GRPCRoutes, refusing (with the field named) what the schema lets through
 * but the mesh could not use: a regular expression that does not compile, a path that does not
 * start with {@code /}, a filter the mesh does not implement, a redirect status other than 301 or
 * 302, a negative weight.
 */
final class Routes {
  private static final Set<String> METHODS = Set.of("GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH");
  private static final int MAX_WEIGHT = 1_000_000;

  private Routes() {}

  static RouteResource decode(ResourceMeta meta, ResourceKind kind, Node root) throws ManifestException {
    Node spec = root.get("spec");
    boolean grpc = kind == ResourceKind.GRPC_ROUTE;
    List<RouteResource.ParentRef> parents = new ArrayList<>();
    for (Node p : spec.get("parentRefs").list()) {
      parents.add(new RouteResource.ParentRef(p.get("group").text(p.get("kind").present() ? "" : "gateway.networking.k8s.io"),
          p.get("kind").text("Gateway"), p.get("namespace").text(meta.namespace()), p.get("name").requiredText(), p.get("port").port(0)));
    }
    if (parents.isEmpty()) {
      throw new ManifestException(spec.get("parentRefs").path(), "is required");
    }
    List<String> hostnames = new ArrayList<>();
    for (Node h : spec.get("hostnames").list()) {
      hostnames.add(h.requiredText().toLowerCase(java.util.Locale.ROOT));
    }
    List<RouteResource.Rule> rules = new ArrayList<>();
    for (Node r : spec.get("rules").list()) {
      List<Match> matches = new ArrayList<>();
      for (Node m : r.get("matches").list()) {
        matches.add(grpc ? grpcMatch(m) : httpMatch(m));
      }
      List<Filter> filters = new ArrayList<>();
      for (Node f : r.get("filters").list()) {
        filters.add(filter(f, grpc));
      }
      List<BackendRef> backends = new ArrayList<>();
      for (Node b : r.get("backendRefs").list()) {
        backends.add(backend(b, meta.namespace()));
      }
      Node timeouts = r.get("timeouts");
      rules.add(new RouteResource.Rule(matches, filters, backends, timeouts.get("request").duration(null),
          timeouts.get("backendRequest").duration(null)));
    }
    return new RouteResource(meta, kind, root.get("metadata").get("creationTimestamp").text(""), parents, hostnames, rules);
  }

  private static Match httpMatch(Node m) throws ManifestException {
    Node path = m.get("path");
    String type = path.get("type").text("PathPrefix");
    String value = path.get("value").text("/");
    PathType pathType = switch (type) {
      case "Exact" -> PathType.EXACT;
      case "PathPrefix" -> PathType.PREFIX;
      case "RegularExpression" -> PathType.REGEX;
      default -> throw new ManifestException(path.get("type").path(), "'" + type + "' is not Exact, PathPrefix or RegularExpression");
    };
    if (pathType == PathType.REGEX) {
      regex(path.get("value"), value);
    } else if (!value.startsWith("/")) {
      throw new ManifestException(path.get("value").path(), "'" + value + "' does not start with /");
    }
    String method = m.get("method").text(null);
    if (method != null && !METHODS.contains(method)) {
      throw new ManifestException(m.get("method").path(), "'" + method + "' is not one of " + String.join(", ", new java.util.TreeSet<>(METHODS)));
    }
    return new Match(new PathMatch(pathType, value), values(m.get("headers")), values(m.get("queryParams")), method, null);
  }

  private static Match grpcMatch(Node m) throws ManifestException {
    GrpcMethod method = null;
    Node n = m.get("method");
    if (n.present()) {
      String type = n.get("type").text("Exact");
      if (!type.equals("Exact")) {
        // Linkerd's proxy API carries gRPC methods as exact names only.
        throw new ManifestException(n.get("type").path(), "'" + type + "' is not supported: gRPC methods match Exact");
      }
      String service = n.get("service").text("");
      String name = n.get("method").text("");
      if (service.isEmpty() && name.isEmpty()) {
        throw new ManifestException(n.path(), "needs a service or a method");
      }
      method = new GrpcMethod(service, name);
    }
    return new Match(null, values(m.get("headers")), List.of(), null, method);
  }

  private static List<ValueMatch> values(Node list) throws ManifestException {
    List<ValueMatch> out = new ArrayList<>();
    for (Node h : list.list()) {
      boolean regex = switch (h.get("type").text("Exact")) {
        case "Exact" -> false;
        case "RegularExpression" -> true;
        default -> throw new ManifestException(h.get("type").path(), "'" + h.get("type").text("") + "' is not Exact or RegularExpression");
      };
      String value = h.get("value").text("");
      if (regex) {
        regex(h.get("value"), value);
      }
      out.add(new ValueMatch(h.get("name").requiredText(), regex, value));
    }
    return out;
  }

  private static Filter filter(Node f, boolean grpc) throws ManifestException {
    String type = f.get("type").requiredText();
    return switch (type) {
      case "RequestHeaderModifier" -> new Filter(headerModifier(f.get("requestHeaderModifier")), null, null);
      case "ResponseHeaderModifier" -> new Filter(null, headerModifier(f.get("responseHeaderModifier")), null);
      case "RequestRedirect" -> {
        if (grpc) {
          throw new ManifestException(f.get("type").path(), "a GRPCRoute cannot redirect");
        }
        yield new Filter(null, null, redirect(f.get("requestRedirect")));
      }
      default -> throw new ManifestException(f.get("type").path(), "'" + type
          + "' is not a filter this mesh implements (RequestHeaderModifier, ResponseHeaderModifier, RequestRedirect)");
    };
  }

  private static HeaderModifier headerModifier(Node n) throws ManifestException {
    if (!n.present()) {
      throw new ManifestException(n.path(), "is required for this filter type");
    }
    List<String> remove = new ArrayList<>();
    for (Node r : n.get("remove").list()) {
      remove.add(r.requiredText());
    }
    return new HeaderModifier(headers(n.get("set")), headers(n.get("add")), remove);
  }

  private static List<Header> headers(Node list) throws ManifestException {
    List<Header> out = new ArrayList<>();
    for (Node h : list.list()) {
      String name = h.get("name").requiredText();
      String value = h.get("value").text("");
      if (value.indexOf('\r') >= 0 || value.indexOf('\n') >= 0 || value.indexOf('\0') >= 0) {
        throw new ManifestException(h.get("value").path(), "may not contain CR, LF or NUL");
      }
      out.add(new Header(name, value));
    }
    return out;
  }

  private static Redirect redirect(Node n) throws ManifestException {
    if (!n.present()) {
      throw new ManifestException(n.path(), "is required for this filter type");
    }
    String scheme = n.get("scheme").text(null);
    if (scheme != null && !scheme.equals("http") && !scheme.equals("https")) {
      throw new ManifestException(n.get("scheme").path(), "'" + scheme + "' is not http or https");
    }
    int status = n.get("statusCode").integer(302);
    if (status != 301 && status != 302) {
      throw new ManifestException(n.get("statusCode").path(), status + " is not 301 or 302");
    }
    Node path = n.get("path");
    String pathType = null;
    String value = null;
    if (path.present()) {
      pathType = path.get("type").requiredText();
      value = switch (pathType) {
        case "ReplaceFullPath" -> path.get("replaceFullPath").text("/");
        case "ReplacePrefixMatch" -> path.get("replacePrefixMatch").text("/");
        default -> throw new ManifestException(path.get("type").path(), "'" + pathType + "' is not ReplaceFullPath or ReplacePrefixMatch");
      };
    }
    return new Redirect(scheme, n.get("hostname").text(null), pathType, value, n.get("port").port(0), status);
  }

  private static BackendRef backend(Node b, String namespace) throws ManifestException {
    String kind = b.get("kind").text("Service");
    int weight = b.get("weight").integer(1);
    if (weight < 0 || weight > MAX_WEIGHT) {
      throw new ManifestException(b.get("weight").path(), weight + " is outside 0-" + MAX_WEIGHT);
    }
    int port = b.get("port").port(0);
    if (kind.equals("Service") && port == 0) {
      throw new ManifestException(b.get("port").path(), "is required for a Service");
    }
    return new BackendRef(b.get("group").text(""), kind, b.get("namespace").text(namespace), b.get("name").requiredText(), port, weight);
  }

  private static void regex(Node at, String value) throws ManifestException {
    try {
      Pattern.compile(value);
    } catch (PatternSyntaxException e) {
      throw new ManifestException(at.path(), "invalid regular expression: " + e.getDescription());
    }
  }
}
