package io.weft.proxy.identity;

import io.weft.protocol.identity.IdentityCertificateException;
import io.weft.protocol.identity.TrustBundle;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SNIServerName;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.X509ExtendedTrustManager;
import java.net.Socket;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.List;

/**
 * Checks the peer of a mesh TLS connection with the trust anchors: a server must present exactly
 * the identity the client asked for in its SNI (the one discovery named); a client may be any
 * identity that chains to an anchor. The failure says which check failed.
 */
final class PeerVerifier extends X509ExtendedTrustManager {
  private static final Logger log = LoggerFactory.getLogger(PeerVerifier.class);

  private final TrustBundle anchors;
  private final Clock clock;

  PeerVerifier(TrustBundle anchors, Clock clock) {
    this.anchors = anchors;
    this.clock = clock;
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    String expected = requestedName(engine);
    anchors.verify(Arrays.asList(chain), clock.instant(), expected);
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) throws CertificateException {
    try {
      anchors.verify(Arrays.asList(chain), clock.instant());
    } catch (IdentityCertificateException e) {
      log.warn("mesh TLS client {}:{} refused: {}", engine.getPeerHost(), engine.getPeerPort(), e.getMessage());
      throw e;
    }
  }

  private static String requestedName(SSLEngine engine) throws CertificateException {
    List<SNIServerName> names = engine.getSSLParameters().getServerNames();
    if (names != null) {
      for (SNIServerName name : names) {
        if (name instanceof SNIHostName host) {
          return host.getAsciiName();
        }
      }
    }
    throw new CertificateException("no server identity was requested for this connection");
  }

  @Override
  public X509Certificate[] getAcceptedIssuers() {
    return new X509Certificate[0];
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    throw new CertificateException("mesh TLS runs on SSLEngines only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) throws CertificateException {
    throw new CertificateException("mesh TLS runs on SSLEngines only");
  }

  @Override
  public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("mesh TLS runs on SSLEngines only");
  }

  @Override
  public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
    throw new CertificateException("mesh TLS runs on SSLEngines only");
  }
}
