package io.weft.streams.http2;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * RFC 9113's rules for the fields of an HTTP/2 request (§8.2, §8.3): what makes a request, or its
 * trailers, malformed. A proxy must never forward a malformed message (§8.1.1), and Pekko's HTTP/2
 * server lets some through (uppercase names, {@code keep-alive}, {@code upgrade}) and fails the
 * whole connection on others, so the proxy checks them itself before Pekko sees the stream; Weft's
 * own HTTP/2 server checks every request with them.
 */
public final class RequestFieldRules {
  /** A field as it arrived: name and value exactly as decoded. */
  public record Field(String name, String value) {}

  /** Hop-by-hop fields HTTP/2 has no place for (§8.2.2). */
  static final Set<String> CONNECTION_SPECIFIC = Set.of("connection", "keep-alive", "proxy-connection",
      "transfer-encoding", "upgrade");
  private static final Set<String> REQUEST_PSEUDO = Set.of(":method", ":scheme", ":authority", ":path");

  private RequestFieldRules() {}

  /** Why a request's header section is malformed, or empty when it is not. */
  public static Optional<String> request(List<Field> fields) {
    return Optional.ofNullable(request(FieldList.of(fields)));
  }

  /** Why a request's header section is malformed, or null when it is not. */
  static String request(FieldList fields) {
    String method = null;
    String scheme = null;
    String authority = null;
    String path = null;
    boolean regularSeen = false;
    for (int i = 0; i < fields.size(); i++) {
      String name = fields.name(i);
      String value = fields.value(i);
      if (name.startsWith(":")) {
        if (regularSeen) {
          return "pseudo-header " + name + " after a regular field";
        }
        if (!REQUEST_PSEUDO.contains(name)) {
          return "pseudo-header " + name + " is not one of a request's";
        }
        String seen = switch (name) {
          case ":method" -> method;
          case ":scheme" -> scheme;
          case ":authority" -> authority;
          default -> path;
        };
        if (seen != null) {
          return "pseudo-header " + name + " appears twice";
        }
        switch (name) {
          case ":method" -> method = value;
          case ":scheme" -> scheme = value;
          case ":authority" -> authority = value;
          default -> path = value;
        }
        continue;
      }
      regularSeen = true;
      String wrong = regular(name, value);
      if (wrong != null) {
        return wrong;
      }
    }
    if (method == null) {
      return "no :method";
    }
    if (method.equals("CONNECT")) {
      // §8.5: the authority is the tunnel's target; there is no scheme or path.
      if (authority == null) {
        return "CONNECT without :authority";
      }
      return scheme != null || path != null ? "CONNECT with :scheme or :path" : null;
    }
    if (scheme == null) {
      return "no :scheme";
    }
    if (path == null || path.isEmpty()) {
      return path == null ? "no :path" : "an empty :path";
    }
    return null;
  }

  /** Why a request's trailer section is malformed (§8.1: no pseudo-headers there), or empty. */
  public static Optional<String> trailers(List<Field> fields) {
    return Optional.ofNullable(trailers(FieldList.of(fields)));
  }

  /** Why a trailer section is malformed, or null. */
  static String trailers(FieldList fields) {
    for (int i = 0; i < fields.size(); i++) {
      if (fields.name(i).startsWith(":")) {
        return "pseudo-header " + fields.name(i) + " in trailers";
      }
      String wrong = regular(fields.name(i), fields.value(i));
      if (wrong != null) {
        return wrong;
      }
    }
    return null;
  }

  /** §8.2.1 and §8.2.2 for one regular field: why it is malformed, or null. */
  private static String regular(String name, String value) {
    if (name.isEmpty()) {
      return "an empty field name";
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return "field name '" + name + "' is not lowercase";
      }
      if (c <= 0x20 || c >= 0x7f || c == ':') {
        return "field name '" + name + "' has a character names cannot have";
      }
    }
    if (CONNECTION_SPECIFIC.contains(name)) {
      return "connection-specific field '" + name + "'";
    }
    if (name.equals("te") && !value.equals("trailers")) {
      return "te is '" + value + "', not 'trailers'";
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == 0 || c == '\r' || c == '\n') {
        return "field '" + name + "' has NUL, CR or LF in its value";
      }
    }
    if (!value.isEmpty() && (isBlank(value.charAt(0)) || isBlank(value.charAt(value.length() - 1)))) {
      return "field '" + name + "' has leading or trailing whitespace";
    }
    return null;
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t';
  }
}
