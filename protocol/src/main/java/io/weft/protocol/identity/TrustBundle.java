package io.weft.protocol.identity;

import java.security.InvalidAlgorithmParameterException;
import java.security.NoSuchAlgorithmException;
import java.security.cert.CertPath;
import java.security.cert.CertPathValidator;
import java.security.cert.CertPathValidatorException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateExpiredException;
import java.security.cert.CertificateFactory;
import java.security.cert.CertificateNotYetValidException;
import java.security.cert.CertificateParsingException;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * The trust anchors a proxy or the identity service accepts (several at once during a rotation),
 * and the one check of a presented chain that both use: valid now, chaining to an anchor, and
 * (when asked) naming the expected identity. Each failure says which of these it was.
 */
public final class TrustBundle {
  private static final int DNS_NAME = 2;

  private final List<X509Certificate> anchors;
  private final Set<TrustAnchor> trustAnchors;

  public TrustBundle(List<X509Certificate> anchors) {
    if (anchors.isEmpty()) {
      throw new IllegalArgumentException("a trust bundle needs at least one anchor");
    }
    this.anchors = List.copyOf(anchors);
    Set<TrustAnchor> set = new LinkedHashSet<>();
    anchors.forEach(a -> set.add(new TrustAnchor(a, null)));
    this.trustAnchors = Set.copyOf(set);
  }

  public static TrustBundle fromPem(String pem, String what) {
    return new TrustBundle(Pem.certificates(pem, what));
  }

  public List<X509Certificate> anchors() {
    return anchors;
  }

  /**
   * Checks {@code chain} (leaf first) at {@code now}: each certificate is within its validity and
   * the chain ends at one of the anchors.
   */
  public void verify(List<X509Certificate> chain, Instant now) throws IdentityCertificateException {
    if (chain.isEmpty()) {
      throw new IdentityCertificateException(IdentityCertificateException.Reason.UNTRUSTED, "no certificate was presented");
    }
    Date at = Date.from(now);
    for (X509Certificate certificate : chain) {
      try {
        certificate.checkValidity(at);
      } catch (CertificateExpiredException e) {
        throw new IdentityCertificateException(IdentityCertificateException.Reason.EXPIRED, "certificate of "
            + describe(certificate) + " expired at " + certificate.getNotAfter().toInstant());
      } catch (CertificateNotYetValidException e) {
        throw new IdentityCertificateException(IdentityCertificateException.Reason.NOT_YET_VALID, "certificate of "
            + describe(certificate) + " is not valid before " + certificate.getNotBefore().toInstant());
      }
    }
    try {
      CertPath path = CertificateFactory.getInstance("X.509").generateCertPath(chain);
      PKIXParameters parameters = new PKIXParameters(trustAnchors);
      parameters.setRevocationEnabled(false);
      parameters.setDate(at);
      CertPathValidator.getInstance("PKIX").validate(path, parameters);
    } catch (CertPathValidatorException e) {
      throw new IdentityCertificateException(IdentityCertificateException.Reason.UNTRUSTED, "certificate of "
          + describe(chain.getFirst()) + " does not chain to a trusted anchor (" + e.getMessage() + ")", e);
    } catch (CertificateException | NoSuchAlgorithmException | InvalidAlgorithmParameterException e) {
      throw new IdentityCertificateException(IdentityCertificateException.Reason.UNTRUSTED, "certificate of "
          + describe(chain.getFirst()) + " cannot be checked: " + e.getMessage(), e);
    }
  }

  /** As {@link #verify(List, Instant)}, and the leaf must name exactly {@code identity}. */
  public void verify(List<X509Certificate> chain, Instant now, String identity) throws IdentityCertificateException {
    verify(chain, now);
    List<String> names = dnsNames(chain.getFirst());
    if (!names.contains(identity)) {
      throw new IdentityCertificateException(IdentityCertificateException.Reason.WRONG_IDENTITY, "peer presented identity "
          + (names.isEmpty() ? "(none)" : String.join(", ", names)) + " but " + identity + " was expected");
    }
  }

  /** The DNS names a certificate's subject alternative names carry. */
  public static List<String> dnsNames(X509Certificate certificate) {
    try {
      var sans = certificate.getSubjectAlternativeNames();
      if (sans == null) {
        return List.of();
      }
      return sans.stream().filter(san -> (Integer) san.get(0) == DNS_NAME).map(san -> (String) san.get(1)).toList();
    } catch (CertificateParsingException e) {
      return List.of();
    }
  }

  private static String describe(X509Certificate certificate) {
    List<String> names = dnsNames(certificate);
    return names.isEmpty() ? certificate.getSubjectX500Principal().getName() : names.getFirst();
  }
}
