package io.weft.proxy.route;

import io.linkerd.proxy.http_route.PathModifier;
import io.linkerd.proxy.http_route.RequestRedirect;
import io.linkerd.proxy.http_types.Headers;
import io.weft.streams.http.Request;

import java.util.List;
import java.util.Optional;

/**
 * What a route rule (or one of its backends) does to a request besides sending it: change its
 * headers or its response's, answer it with a redirect, or fail it on purpose.
 */
public sealed interface RouteFilter {
  /** Sets (replacing), then adds, then removes fields of the request or of its response. */
  record HeaderModifier(boolean response, List<Field> set, List<Field> add, List<String> remove) implements RouteFilter {
    static HeaderModifier of(boolean response, Headers set, Headers add, List<String> remove) {
      return new HeaderModifier(response, fields(set), fields(add), remove);
    }

    public void apply(io.weft.streams.http.Headers headers) {
      for (Field f : set) {
        headers.remove(f.name());
        headers.add(f.name(), f.value());
      }
      for (Field f : add) {
        headers.add(f.name(), f.value());
      }
      remove.forEach(headers::remove);
    }
  }

  record Field(String name, String value) {}

  /**
   * Answers with {@code status} and a {@code Location} built from the request: each part the
   * redirect leaves unset keeps the request's own; a prefix replacement swaps the prefix the rule
   * matched.
   */
  record Redirect(Optional<String> scheme, Optional<String> host, Optional<PathModifier> path, int port, int status)
      implements RouteFilter {
    private static final int DEFAULT_STATUS = 301;

    static Redirect of(RequestRedirect r) {
      Optional<String> scheme = switch (r.getScheme().getTypeCase()) {
        case REGISTERED -> Optional.of(r.getScheme().getRegistered().name().toLowerCase(java.util.Locale.ROOT));
        case UNREGISTERED -> Optional.of(r.getScheme().getUnregistered());
        default -> Optional.empty();
      };
      return new Redirect(scheme, r.getHost().isEmpty() ? Optional.empty() : Optional.of(r.getHost()),
          r.hasPath() ? Optional.of(r.getPath()) : Optional.empty(), r.getPort(), r.getStatus() == 0 ? DEFAULT_STATUS : r.getStatus());
    }

    /** The {@code Location} for {@code request}, whose path {@code matched} selected this rule. */
    public String location(Request request, RequestParts parts, RouteMatch matched) {
      String scheme = this.scheme.orElse(request.scheme() == null ? "http" : request.scheme());
      String host = this.host.orElse(parts.host());
      int requestPort = parts.port();
      String requestPath = parts.path();
      String query = parts.query();
      // A new scheme without a port goes to that scheme's own port, which the URL then leaves out.
      int port = this.port != 0 ? this.port : this.scheme.isPresent() ? 0 : requestPort;
      String path = this.path.map(p -> switch (p.getReplaceCase()) {
        case FULL -> p.getFull();
        case PREFIX -> matched != null && matched.kind() == RouteMatch.PathKind.PREFIX
            ? join(p.getPrefix(), requestPath.substring(Math.min(requestPath.length(), trimmed(matched.path()).length())))
            : p.getPrefix();
        default -> requestPath;
      }).orElse(requestPath);
      boolean defaultPort = port == 0 || (scheme.equals("http") && port == 80) || (scheme.equals("https") && port == 443);
      return scheme + "://" + host + (defaultPort ? "" : ":" + port) + path + (query == null ? "" : "?" + query);
    }

    private static String trimmed(String prefix) {
      return prefix.length() > 1 && prefix.endsWith("/") ? prefix.substring(0, prefix.length() - 1) : prefix;
    }

    private static String join(String prefix, String rest) {
      if (rest.isEmpty()) {
        return prefix;
      }
      return prefix.endsWith("/") ? prefix + rest.substring(1) : prefix + rest;
    }
  }

  /** Fails {@code numerator} of every {@code denominator} requests with {@code status} (an HTTP status, or a gRPC code). */
  record FailureInjector(int status, String message, long numerator, long denominator) implements RouteFilter {
    /** A ratio left out (or with no denominator) means every request. */
    static FailureInjector of(int status, String message, boolean hasRatio, io.linkerd.proxy.http_route.Ratio ratio) {
      return hasRatio && ratio.getDenominator() > 0 ? new FailureInjector(status, message, ratio.getNumerator(), ratio.getDenominator())
          : new FailureInjector(status, message, 1, 1);
    }

    public boolean fires() {
      return numerator >= denominator || java.util.concurrent.ThreadLocalRandom.current().nextLong(denominator) < numerator;
    }
  }

  private static List<Field> fields(Headers headers) {
    return headers.getHeadersList().stream().map(h -> new Field(h.getName(), h.getValue().toStringUtf8())).toList();
  }
}
