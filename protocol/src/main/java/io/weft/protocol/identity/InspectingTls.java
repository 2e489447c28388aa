package io.weft.protocol.identity;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;

/**
 * A TLS 1.3 client context that accepts any server certificate: for tools that look at what a
 * proxy presents or measure handshakes (`weft identity show`, the handshake benchmark), never for
 * traffic that relies on the peer being who it says.
 */
public final class InspectingTls {
  private InspectingTls() {}

  public static SSLContext clientContext() {
    try {
      SSLContext context = SSLContext.getInstance("TLSv1.3");
      context.init(null, new TrustManager[] {new X509TrustManager() {
        @Override public void checkClientTrusted(X509Certificate[] chain, String authType) { }
        @Override public void checkServerTrusted(X509Certificate[] chain, String authType) { }
        @Override public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
      }}, null);
      return context;
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK provides TLS 1.3", e);
    }
  }
}
