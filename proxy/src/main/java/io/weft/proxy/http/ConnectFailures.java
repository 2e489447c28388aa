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
}
