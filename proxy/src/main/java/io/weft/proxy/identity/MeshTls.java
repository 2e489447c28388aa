package io.weft.proxy.identity;

import io.weft.protocol.identity.TrustBundle;
import io.weft.streams.tls.TlsStage;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.util.ByteString;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLPeerUnverifiedException;
import javax.net.ssl.SSLSession;
import java.security.GeneralSecurityException;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * Mutual TLS 1.3 between meshed proxies: each side shows its workload certificate
 * ({@link MeshCredentials}) and checks the other's with the trust anchors. The client names the
 * identity it expects as SNI and offers ALPN {@code transport.l5d.io/v1}, after which the
 * transport header travels inside the session (linkerd-internals §1.9).
 */
public final class MeshTls {
  public static final String TRANSPORT_ALPN = "transport.l5d.io/v1";
  private static final String[] PROTOCOLS = {"TLSv1.3"};

  private final SSLContext context;
  private final String localIdentity;

  public MeshTls(String localIdentity, TrustBundle anchors, MeshCredentials credentials, Clock clock) {
    this.localIdentity = localIdentity;
    try {
      context = SSLContext.getInstance("TLSv1.3");
      context.init(new javax.net.ssl.KeyManager[] {credentials}, new javax.net.ssl.TrustManager[] {new PeerVerifier(anchors, clock)},
          null);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK provides TLS 1.3", e);
    }
  }

  /** This proxy's identity: the SNI that selects mesh TLS on its inbound port. */
  public String localIdentity() {
    return localIdentity;
  }

  /** Encrypts a connection to a peer proxy that must prove {@code peerIdentity}; plaintext on the left. */
  public BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> client(String peerIdentity) {
    return TlsStage.create(() -> clientEngine(peerIdentity), session -> {});
  }

  SSLEngine clientEngine(String peerIdentity) {
    SSLEngine engine = context.createSSLEngine(peerIdentity, -1);
    engine.setUseClientMode(true);
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setProtocols(PROTOCOLS);
    parameters.setServerNames(List.of(new SNIHostName(peerIdentity)));
    parameters.setApplicationProtocols(new String[] {TRANSPORT_ALPN});
    engine.setSSLParameters(parameters);
    return engine;
  }

  SSLEngine serverEngine() {
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(false);
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setProtocols(PROTOCOLS);
    // A client without a certificate is still served (as meshed-but-unauthenticated); one with a
    // certificate that does not check out is refused.
    parameters.setWantClientAuth(true);
    engine.setSSLParameters(parameters);
    engine.setHandshakeApplicationProtocolSelector((e, offered) -> offered.contains(TRANSPORT_ALPN) ? TRANSPORT_ALPN : "");
    return engine;
  }

  /** The identity a verified peer certificate names, empty when the peer showed none. */
  public static Optional<String> peerIdentity(SSLSession session) {
    try {
      Certificate[] chain = session.getPeerCertificates();
      if (chain.length == 0 || !(chain[0] instanceof X509Certificate leaf)) {
        return Optional.empty();
      }
      return io.weft.protocol.identity.TrustBundle.dnsNames(leaf).stream().findFirst();
    } catch (SSLPeerUnverifiedException e) {
      return Optional.empty();
    }
  }

  /**
   * Terminates mesh TLS on an accepted connection; {@code established} learns the session (and so
   * the client's identity) before the first plaintext byte reaches the inner flow.
   */
  public BidiFlow<ByteString, ByteString, ByteString, ByteString, NotUsed> server(Consumer<SSLSession> established) {
    return TlsStage.create(this::serverEngine, established).reversed();
  }
}
