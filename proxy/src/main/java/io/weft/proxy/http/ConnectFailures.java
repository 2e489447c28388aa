package io.weft.proxy.http;

import java.net.ConnectException;
import java.net.NoRouteToHostException;

/** Tells a failure to connect (nothing of the request was sent) from a failure during the exchange. */
final class ConnectFailures {
  private ConnectFailures() {}

  static boolean refused(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof ConnectException || t instanceof NoRouteToHostException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return false;
  }

  /**
   * The reason a mesh TLS handshake failed: our check of the peer's certificate (which says what
   * was wrong), or the peer's alert refusing ours.
   */
  static java.util.Optional<String> tlsRefusal(Throwable error) {
    String alert = null;
    for (Throwable t = error; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof io.weft.protocol.identity.IdentityCertificateException refused) {
        return java.util.Optional.of(refused.getMessage());
      }
      if (t instanceof javax.net.ssl.SSLHandshakeException && alert == null) {
        alert = "mesh TLS handshake failed: " + t.getMessage();
      }
    }
    return java.util.Optional.ofNullable(alert);
  }
}
