package io.weft.protocol.identity;


import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A loaded issuer: its certificate chain (issuer first) and key, checked against the trust anchors
 * it must chain to. Immutable; a reload makes a new one.
 */
public record Issuer(CertificateAuthority.Credential credential, List<X509Certificate> chain, TrustBundle anchors) {

  /**
   * Parses and checks {@code material} at {@code now}: the certificate must be a CA, valid now,
   * chain to one of the anchors, and belong to the key. Throws {@link IllegalArgumentException}
   * saying what is wrong.
   */
  public static Issuer load(IssuerMaterial material, Instant now) {
    TrustBundle anchors = TrustBundle.fromPem(material.trustAnchorsPem(), "trust anchors");
    List<X509Certificate> chain = Pem.certificates(material.certificatePem(), "issuer certificate");
    PrivateKey key = PemKeys.privateKey(material.keyPem(), "issuer key");
    X509Certificate certificate = chain.getFirst();
    if (certificate.getBasicConstraints() < 0) {
      throw new IllegalArgumentException("issuer certificate " + certificate.getSubjectX500Principal().getName()
          + " is not a CA certificate");
    }
    try {
      anchors.verify(chain, now);
    } catch (IdentityCertificateException e) {
      throw new IllegalArgumentException("issuer certificate is refused: " + e.getMessage(), e);
    }
    if (!MeshKeys.belongTogether(certificate, key)) {
      throw new IllegalArgumentException("issuer key does not belong to the issuer certificate "
          + certificate.getSubjectX500Principal().getName());
    }
    return new Issuer(new CertificateAuthority.Credential(certificate, key), List.copyOf(chain), anchors);
  }

  /**
   * A leaf for {@code identity}, valid from {@code skew} before {@code now} for {@code lifetime}
   * (never past the issuer's own expiry).
   */
  public X509Certificate issue(java.security.PublicKey key, String identity, Instant now, Duration lifetime, Duration skew) {
    Instant notBefore = now.minus(skew);
    Instant notAfter = now.plus(lifetime);
    Instant issuerEnd = credential.certificate().getNotAfter().toInstant();
    if (notAfter.isAfter(issuerEnd)) {
      notAfter = issuerEnd;
    }
    return CertificateAuthority.leaf(credential, key, identity, notBefore, Duration.between(notBefore, notAfter));
  }
}
