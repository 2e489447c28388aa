package io.weft.proxy.route;

import io.weft.streams.http.Request;

import java.util.Locale;

/**
 * The parts of a request that routes match on, split once: the host (lower-case, no port) and port
 * of its authority (0 when it names none), and the path and query (null when none) of its target.
 */
public record RequestParts(String host, int port, String path, String query) {
  public static RequestParts of(Request request) {
    String authority = request.authority() == null ? "" : request.authority();
    String host = authority;
    int port = 0;
    int colon = authority.lastIndexOf(':');
    if (colon >= 0 && authority.indexOf(']', colon) < 0) {
      host = authority.substring(0, colon);
      try {
        port = Integer.parseInt(authority.substring(colon + 1));
      } catch (NumberFormatException e) {
        port = 0;
      }
    }
    String target = request.target() == null ? "/" : request.target();
    if (!target.startsWith("/")) {
      // absolute-form (http://host/path): the path starts after the authority
      int scheme = target.indexOf("://");
      int slash = scheme < 0 ? -1 : target.indexOf('/', scheme + 3);
      target = slash < 0 ? "/" : target.substring(slash);
    }
    int q = target.indexOf('?');
    return new RequestParts(host.toLowerCase(Locale.ROOT), port, q < 0 ? target : target.substring(0, q), q < 0 ? null : target.substring(q + 1));
  }
}
