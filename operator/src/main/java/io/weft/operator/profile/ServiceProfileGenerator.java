package io.weft.operator.profile;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.k8s.decode.YamlDocuments;
import io.weft.protocol.net.Authority;

import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * ServiceProfiles written for a user, as {@code linkerd profile} writes them: a commented template
 * to fill in, or one route per operation of an OpenAPI (Swagger 2.0 or OpenAPI 3) description.
 */
public final class ServiceProfileGenerator {
  /** The operations an OpenAPI path item may hold, in the order routes are written. */
  private static final List<String> METHODS = List.of("get", "put", "post", "delete", "options", "head", "patch", "trace");
  /** Characters a path keeps literally in a route's pattern (everything else that is special is escaped). */
  private static final String REGEX_SPECIALS = "\\.+*?()|[]{}^$";
  private static final String PATH_PARAMETER = "[^/]*";
  private static final String RETRYABLE = "x-linkerd-retryable";
  private static final String TIMEOUT = "x-linkerd-timeout";

  private ServiceProfileGenerator() {}

  /** A ServiceProfile for {@code service} in {@code namespace} with an example route, each field explained. */
  public static String template(String service, String namespace, String clusterDomain) {
    return """
        # A ServiceProfile for %2$s.%3$s. Edit it and apply it with kubectl; proxies that call the
        # Service pick it up at once.
        apiVersion: linkerd.io/v1alpha2
        kind: ServiceProfile
        metadata:
          name: %1$s
          namespace: %3$s
        spec:
          # Requests are matched against the routes in order; the first match names the request's
          # route in metrics (route_request_total{rt_route="..."}, weft viz routes) and applies its
          # timeout and retries. Requests no route matches are counted under the default route.
          routes:
          - name: GET /books/{id}
            # method, pathRegex (the whole path must match; the query is not part of it), or
            # all / any / not of further conditions.
            condition:
              method: GET
              pathRegex: /books/[^/]*
            # How answers are classified (the first class that matches decides); without classes a
            # 5xx (or a gRPC status other than OK) is a failure.
            responseClasses:
            - condition:
                status:
                  min: 500
                  max: 599
              isFailure: true
            # Failed requests are sent again, within the retry budget below. Only for requests that
            # are safe to repeat.
            isRetryable: false
            # The most a request may take, retries included; then the caller gets 504.
            timeout: 10s
          # How many retries the routes together may add: this fraction of the requests, plus a
          # number per second, counted over the ttl.
          retryBudget:
            retryRatio: 0.2
            minRetriesPerSecond: 10
            ttl: 10s
        """.formatted(Authority.serviceName(service, namespace, clusterDomain), service, namespace);
  }

  /**
   * A ServiceProfile with a route for every operation {@code spec} describes: named
   * {@code METHOD /path}, matching the method and the path with each {@code {parameter}} as one
   * path segment; an operation's {@code x-linkerd-retryable} and {@code x-linkerd-timeout} make the
   * route retryable and give it a timeout. Throws {@link IllegalArgumentException} with the reason
   * when {@code spec} is not an OpenAPI description.
   */
  public static String fromOpenApi(ObjectNode spec, String service, String namespace, String clusterDomain) {
    JsonNode paths = spec.get("paths");
    if (!(spec.has("swagger") || spec.has("openapi")) || paths == null || !paths.isObject()) {
      throw new IllegalArgumentException("not an OpenAPI description: it needs a \"swagger\" or \"openapi\" version and \"paths\"");
    }
    String basePath = spec.path("basePath").asText("");
    ObjectNode profile = YamlDocuments.object();
    profile.put("apiVersion", "linkerd.io/v1alpha2").put("kind", "ServiceProfile");
    profile.putObject("metadata").put("name", Authority.serviceName(service, namespace, clusterDomain)).put("namespace", namespace);
    ArrayNode routes = profile.putObject("spec").putArray("routes");
    Map<String, JsonNode> sorted = new TreeMap<>();
    paths.fields().forEachRemaining(e -> sorted.put(e.getKey(), e.getValue()));
    sorted.forEach((relative, item) -> {
      String path = join(basePath, relative);
      for (String method : METHODS) {
        JsonNode operation = item.get(method);
        if (operation == null || !operation.isObject()) {
          continue;
        }
        String verb = method.toUpperCase(Locale.ROOT);
        ObjectNode route = routes.addObject().put("name", verb + " " + path);
        route.putObject("condition").put("method", verb).put("pathRegex", pathRegex(path));
        if (operation.path(RETRYABLE).asBoolean(false)) {
          route.put("isRetryable", true);
        }
        if (operation.hasNonNull(TIMEOUT)) {
          route.put("timeout", operation.get(TIMEOUT).asText());
        }
      }
    });
    return YamlDocuments.write(List.of(profile));
  }

  /** The path as a pattern: literal characters escaped, each {@code {parameter}} one segment. */
  static String pathRegex(String path) {
    StringBuilder regex = new StringBuilder();
    for (int i = 0; i < path.length(); i++) {
      char c = path.charAt(i);
      int close = c == '{' ? path.indexOf('}', i) : -1;
      if (close > i) {
        regex.append(PATH_PARAMETER);
        i = close;
      } else {
        if (REGEX_SPECIALS.indexOf(c) >= 0) {
          regex.append('\\');
        }
        regex.append(c);
      }
    }
    return regex.toString();
  }

  private static String join(String base, String relative) {
    if (base.isEmpty() || base.equals("/")) {
      return relative;
    }
    return (base.endsWith("/") ? base.substring(0, base.length() - 1) : base) + (relative.startsWith("/") ? relative : "/" + relative);
  }
}
