package io.weft.proxy.route;

import io.linkerd.proxy.grpc_route.GrpcRouteMatch;
import io.linkerd.proxy.http_route.HeaderMatch;
import io.linkerd.proxy.http_route.HttpRouteMatch;
import io.linkerd.proxy.http_route.QueryParamMatch;
import io.weft.streams.http.Request;

import java.util.Comparator;
import java.util.List;
import java.util.regex.Pattern;

/**
 * One match of a route rule — a path (exact, prefix or regular expression), headers, query
 * parameters and a method, all of which must hold — ordered by the Gateway API's precedence: an
 * exact path over a regular expression over a prefix (longer first within each), then a method
 * over none, then more headers, then more query parameters. A gRPC method match is a path match
 * on {@code /service/method}.
 */
public record RouteMatch(PathKind kind, String path, Pattern regex, List<ValueMatch> headers, List<ValueMatch> query, String method) {
  public enum PathKind { PREFIX, REGEX, EXACT }

  /** A header or query parameter equal to {@code exact}, or matching {@code regex}. */
  public record ValueMatch(String name, String exact, Pattern regex) {
    boolean test(String value) {
      return value != null && (regex != null ? regex.matcher(value).matches() : value.equals(exact));
    }
  }

  /** Most specific first. */
  public static final Comparator<RouteMatch> PRECEDENCE = Comparator.comparing(RouteMatch::kind)
      .thenComparingInt(m -> m.kind == PathKind.REGEX ? m.regex.pattern().length() : m.path.length())
      .thenComparing(m -> m.method != null)
      .thenComparingInt(m -> m.headers.size())
      .thenComparingInt(m -> m.query.size())
      .reversed();

  static final RouteMatch EVERYTHING = new RouteMatch(PathKind.PREFIX, "/", null, List.of(), List.of(), null);

  public static RouteMatch of(HttpRouteMatch match) {
    PathKind kind = PathKind.PREFIX;
    String path = "/";
    Pattern regex = null;
    switch (match.getPath().getKindCase()) {
      case EXACT -> {
        kind = PathKind.EXACT;
        path = match.getPath().getExact();
      }
      case PREFIX -> path = match.getPath().getPrefix();
      case REGEX -> {
        kind = PathKind.REGEX;
        regex = Pattern.compile(match.getPath().getRegex());
      }
      default -> { }
    }
    List<ValueMatch> query = match.getQueryParamsList().stream().map(RouteMatch::query).toList();
    String method = switch (match.getMethod().getTypeCase()) {
      case REGISTERED -> match.getMethod().getRegistered().name();
      case UNREGISTERED -> match.getMethod().getUnregistered();
      default -> null;
    };
    return new RouteMatch(kind, path, regex, match.getHeadersList().stream().map(RouteMatch::header).toList(), query, method);
  }

  /** {@code /service/method}; a service alone is its prefix, a method alone matches it in any service. */
  static RouteMatch of(GrpcRouteMatch match) {
    String service = match.getRpc().getService();
    String method = match.getRpc().getMethod();
    List<ValueMatch> headers = match.getHeadersList().stream().map(RouteMatch::header).toList();
    if (!service.isEmpty() && !method.isEmpty()) {
      return new RouteMatch(PathKind.EXACT, "/" + service + "/" + method, null, headers, List.of(), null);
    }
    if (!method.isEmpty()) {
      return new RouteMatch(PathKind.REGEX, "", Pattern.compile("/[^/]+/" + Pattern.quote(method)), headers, List.of(), null);
    }
    return new RouteMatch(PathKind.PREFIX, service.isEmpty() ? "/" : "/" + service + "/", null, headers, List.of(), null);
  }

  private static ValueMatch header(HeaderMatch h) {
    return h.getValueCase() == HeaderMatch.ValueCase.REGEX ? new ValueMatch(h.getName(), null, Pattern.compile(h.getRegex()))
        : new ValueMatch(h.getName(), h.getExact().toStringUtf8(), null);
  }

  private static ValueMatch query(QueryParamMatch q) {
    return q.getValueCase() == QueryParamMatch.ValueCase.REGEX ? new ValueMatch(q.getName(), null, Pattern.compile(q.getRegex()))
        : new ValueMatch(q.getName(), q.getExact(), null);
  }

  /** Whether {@code request}, whose path and query are given apart, is matched. */
  public boolean test(Request request, RequestParts parts) {
    String requestPath = parts.path();
    String requestQuery = parts.query();
    boolean pathMatches = switch (kind) {
      case EXACT -> requestPath.equals(path);
      case REGEX -> regex.matcher(requestPath).matches();
      // A prefix matches whole segments: /api matches /api and /api/x, not /apix.
      case PREFIX -> requestPath.startsWith(path) && (path.endsWith("/") || requestPath.length() == path.length()
          || requestPath.charAt(path.length()) == '/');
    };
    if (!pathMatches || (method != null && !method.equals(request.method()))) {
      return false;
    }
    for (ValueMatch header : headers) {
      if (!header.test(request.headers().get(header.name()))) {
        return false;
      }
    }
    for (ValueMatch param : query) {
      if (!param.test(queryValue(requestQuery, param.name()))) {
        return false;
      }
    }
    return true;
  }

  private static String queryValue(String query, String name) {
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      int eq = pair.indexOf('=');
      String key = eq < 0 ? pair : pair.substring(0, eq);
      if (key.equals(name)) {
        return eq < 0 ? "" : java.net.URLDecoder.decode(pair.substring(eq + 1), java.nio.charset.StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
