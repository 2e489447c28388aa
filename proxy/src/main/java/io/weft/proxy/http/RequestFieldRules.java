package io.weft.proxy.http;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * RFC 9113's rules for the fields of an HTTP/2 request (§8.2, §8.3): what makes a request, or its
 * trailers, malformed. A proxy must never forward a malformed message (§8.1.1), and Pekko's HTTP/2
 * server lets some through (uppercase names, {@code keep-alive}, {@code upgrade}) and fails the
 * whole connection on others, so the proxy checks them itself before Pekko sees the stream.
 */
public final class RequestFieldRules {
  /** A field as it arrived: name and value exactly as decoded. */
  public record Field(String name, String value) {}

  /** Hop-by-hop fields HTTP/2 has no place for (§8.2.2). */
  private static final Set<String> CONNECTION_SPECIFIC = Set.of("connection", "keep-alive", "proxy-connection",
      "transfer-encoding", "upgrade");
  private static final Set<String> REQUEST_PSEUDO = Set.of(":method", ":scheme", ":authority", ":path");

  private RequestFieldRules() {}

  /** Why a request's header section is malformed, or empty when it is not. */
  public static Optional<String> request(List<Field> fields) {
    String method = null;
    String scheme = null;
    String authority = null;
    String path = null;
    boolean regularSeen = false;
    for (Field f : fields) {
      String name = f.name();
      if (name.startsWith(":")) {
        if (regularSeen) {
          return Optional.of("pseudo-header " + name + " after a regular field");
        }
        if (!REQUEST_PSEUDO.contains(name)) {
          return Optional.of("pseudo-header " + name + " is not one of a request's");
        }
        String seen = switch (name) {
          case ":method" -> method;
          case ":scheme" -> scheme;
          case ":authority" -> authority;
          default -> path;
        };
        if (seen != null) {
          return Optional.of("pseudo-header " + name + " appears twice");
        }
        switch (name) {
          case ":method" -> method = f.value();
          case ":scheme" -> scheme = f.value();
          case ":authority" -> authority = f.value();
          default -> path = f.value();
        }
        continue;
      }
      regularSeen = true;
      Optional<String> wrong = regular(f);
      if (wrong.isPresent()) {
        return wrong;
      }
    }
    if (method == null) {
      return Optional.of("no :method");
    }
    if (method.equals("CONNECT")) {
      // §8.5: the authority is the tunnel's target; there is no scheme or path.
      if (authority == null) {
        return Optional.of("CONNECT without :authority");
      }
      return scheme != null || path != null ? Optional.of("CONNECT with :scheme or :path") : Optional.empty();
    }
    if (scheme == null) {
      return Optional.of("no :scheme");
    }
    if (path == null || path.isEmpty()) {
      return Optional.of(path == null ? "no :path" : "an empty :path");
    }
    return Optional.empty();
  }

  /** Why a request's trailer section is malformed (§8.1: no pseudo-headers there), or empty. */
  public static Optional<String> trailers(List<Field> fields) {
    for (Field f : fields) {
      if (f.name().startsWith(":")) {
        return Optional.of("pseudo-header " + f.name() + " in trailers");
      }
      Optional<String> wrong = regular(f);
      if (wrong.isPresent()) {
        return wrong;
      }
    }
    return Optional.empty();
  }

  /** §8.2.1 and §8.2.2 for one regular field. */
  private static Optional<String> regular(Field f) {
    String name = f.name();
    if (name.isEmpty()) {
      return Optional.of("an empty field name");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c >= 'A' && c <= 'Z') {
        return Optional.of("field name '" + name + "' is not lowercase");
      }
      if (c <= 0x20 || c >= 0x7f || c == ':') {
        return Optional.of("field name '" + name + "' has a character names cannot have");
      }
    }
    if (CONNECTION_SPECIFIC.contains(name)) {
      return Optional.of("connection-specific field '" + name + "'");
    }
    if (name.equals("te") && !f.value().equals("trailers")) {
      return Optional.of("te is '" + f.value() + "', not 'trailers'");
    }
    String value = f.value();
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c == 0 || c == '\r' || c == '\n') {
        return Optional.of("field '" + name + "' has NUL, CR or LF in its value");
      }
    }
    if (!value.isEmpty() && (isBlank(value.charAt(0)) || isBlank(value.charAt(value.length() - 1)))) {
      return Optional.of("field '" + name + "' has leading or trailing whitespace");
    }
    return Optional.empty();
  }

  private static boolean isBlank(char c) {
    return c == ' ' || c == '\t';
  }
}
