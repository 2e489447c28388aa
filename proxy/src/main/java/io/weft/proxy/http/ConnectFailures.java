package io.weft.proxy.http;

import io.weft.streams.http1.ConnectFailedException;

import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.util.Optional;

/** Tells a failure to connect (nothing of the request was sent) from a failure during the exchange. */
public final class ConnectFailures {
  private ConnectFailures() {}

  /**
   * True when no answer came because the connection could not be made, or its mesh TLS handshake
   * failed: nothing of the request was sent.
   */
  public static boolean refused(Throwable error) {
    for (Throwable t = error; t != null; t = t.getCause()) {
      if (t instanceof ConnectFailedException || t instanceof ConnectException || t instanceof NoRouteToHostException) {
        return true;
      }
      if (t.getCause() == t) {
        break;
      }
    }
    return tlsRefusal(error).isPresent();
  }

  /**
   * The reason a mesh TLS handshake failed: our check of the peer's certificate (which says what
   * was wrong), or the peer's alert refusing ours.
   */
  public static Optional<String> tlsRefusal(Throwable error) {
    String alert = null;
    for (Throwable t = error; t != null && t.getCause() != t; t = t.getCause()) {
      if (t instanceof io.weft.protocol.identity.IdentityCertificateException refused) {
        return Optional.of(refused.getMessage());
      }
      if (t instanceof javax.net.ssl.SSLHandshakeException && alert == null) {
        alert = "mesh TLS handshake failed: " + t.getMessage();
      }
    }
    return Optional.ofNullable(alert);
  }
}
