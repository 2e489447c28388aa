package io.weft.protocol.identity;

import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509ExtensionUtils;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

import java.math.BigInteger;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;

/**
 * Makes the mesh's certificates with ECDSA P-256, as Linkerd's: self-signed trust anchors,
 * issuers signed by an anchor, and workload (leaf) certificates signed by an issuer for the key in
 * a proxy's CSR. Used by the identity service and by {@code weft identity}.
 */
public final class CertificateAuthority {
  private static final int SERIAL_BITS = 128;
  private static final SecureRandom RANDOM = new SecureRandom();

  /** A certificate and the private key of its public key. */
  public record Credential(X509Certificate certificate, PrivateKey key) {}

  private CertificateAuthority() {}

  /** A self-signed CA named {@code commonName} (Linkerd's is {@code root.linkerd.cluster.local}). */
  public static Credential trustAnchor(String commonName, Instant notBefore, Duration validity) {
    KeyPair keys = MeshKeys.newKeyPair();
    X500Name name = new X500Name("CN=" + commonName);
    return new Credential(certificate(name, name, keys.getPublic(), notBefore, validity, null, keys.getPrivate(), b -> b
        .addExtension(Extension.basicConstraints, true, new BasicConstraints(true))
        .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))), keys.getPrivate());
  }

  /** An intermediate CA signed by {@code anchor}, which may only sign leaves (Linkerd's is {@code identity.linkerd.cluster.local}). */
  public static Credential issuer(Credential anchor, String commonName, Instant notBefore, Duration validity) {
    KeyPair keys = MeshKeys.newKeyPair();
    return new Credential(certificate(subjectOf(anchor.certificate()), new X500Name("CN=" + commonName), keys.getPublic(),
        notBefore, validity, anchor.certificate(), anchor.key(), b -> b
            .addExtension(Extension.basicConstraints, true, new BasicConstraints(0))
            .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign))), keys.getPrivate());
  }

  /**
   * A workload certificate for {@code identity} and {@code key}, signed by {@code issuer}, valid from
   * {@code notBefore} for {@code validity}. Usable by both ends of a mesh connection.
   */
  public static X509Certificate leaf(Credential issuer, PublicKey key, String identity, Instant notBefore, Duration validity) {
    return leaf(issuer, key, java.util.List.of(identity), notBefore, validity);
  }

  /** As {@link #leaf(Credential, PublicKey, String, Instant, Duration)}, for several DNS names (the first is the subject). */
  public static X509Certificate leaf(Credential issuer, PublicKey key, java.util.List<String> names, Instant notBefore,
                                     Duration validity) {
    return certificate(subjectOf(issuer.certificate()), subject(names.getFirst()), key, notBefore, validity,
        issuer.certificate(), issuer.key(), b -> b
            .addExtension(Extension.basicConstraints, true, new BasicConstraints(false))
            .addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature))
            .addExtension(Extension.extendedKeyUsage, false,
                new ExtendedKeyUsage(new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}))
            .addExtension(Extension.subjectAlternativeName, Subjects.sanCritical(names.getFirst()),
                new GeneralNames(names.stream().map(n -> new GeneralName(GeneralName.dNSName, n)).toArray(GeneralName[]::new))));
  }

  private interface Extensions {
    X509v3CertificateBuilder add(X509v3CertificateBuilder builder) throws CertIOException;
  }

  /** A leaf's subject: its common name as {@link Subjects} says, or empty. */
  static X500Name subject(String name) {
    return Subjects.commonName(name).map(cn -> new X500Name("CN=" + cn))
        .orElseGet(() -> new X500Name(new org.bouncycastle.asn1.x500.RDN[0]));
  }

  private static X500Name subjectOf(X509Certificate certificate) {
    return X500Name.getInstance(certificate.getSubjectX500Principal().getEncoded());
  }

  private static X509Certificate certificate(X500Name issuer, X500Name subject, PublicKey key, Instant notBefore,
                                             Duration validity, X509Certificate issuerCertificate, PrivateKey signer,
                                             Extensions extensions) {
    try {
      JcaX509ExtensionUtils utils = new JcaX509ExtensionUtils();
      X509v3CertificateBuilder builder = new JcaX509v3CertificateBuilder(issuer, new BigInteger(SERIAL_BITS, RANDOM),
          Date.from(notBefore), Date.from(notBefore.plus(validity)), subject, key)
          .addExtension(Extension.subjectKeyIdentifier, false, utils.createSubjectKeyIdentifier(key));
      if (issuerCertificate != null) {
        builder.addExtension(Extension.authorityKeyIdentifier, false, utils.createAuthorityKeyIdentifier(issuerCertificate));
      }
      return new JcaX509CertificateConverter().getCertificate(extensions.add(builder)
          .build(new JcaContentSignerBuilder(MeshKeys.SIGNATURE).build(signer)));
    } catch (GeneralSecurityException | CertIOException | OperatorCreationException e) {
      throw new IllegalStateException("cannot make the certificate of " + subject + " with a " + signer.getAlgorithm() + " key", e);
    }
  }
}
