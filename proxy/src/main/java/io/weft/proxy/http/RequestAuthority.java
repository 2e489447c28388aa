package io.weft.proxy.http;

import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.headers.Host;

/** The authority a request names: its Host header, or for HTTP/2 its URI's ({@code :authority}). */
public final class RequestAuthority {
  private RequestAuthority() {}

  /** {@code host} or {@code host:port}, as the client wrote it (no default port added). */
  public static String of(HttpRequest request) {
    return request.getHeader(Host.class).map(h -> hostPort(h.host().address(), h.port()))
        // HTTP/2 carries the authority in the request's URI (:authority), not in a Host header. The
        // javadsl Uri reports the scheme's default port when none was written; the Scala model does not.
        .orElseGet(() -> {
          var authority = ((org.apache.pekko.http.scaladsl.model.HttpRequest) request).uri().authority();
          return hostPort(authority.host().address(), authority.port());
        });
  }

  private static String hostPort(String host, int port) {
    return port == 0 ? host : host + ":" + port;
  }
}
