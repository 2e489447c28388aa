package io.weft.protocol.identity;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;

import java.io.IOException;
import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.List;

/** PKCS#10 certificate signing requests for a mesh identity, as a proxy sends them in {@code Identity.Certify}. */
public final class CertificateRequests {
  private static final String COMMON_NAME = "2.5.4.3";
  private static final String SUBJECT_ALT_NAME = "2.5.29.17";
  private static final String EXTENSION_REQUEST = "1.2.840.113549.1.9.14";
  private static final String ECDSA_WITH_SHA256 = "1.2.840.10045.4.3.2";

  private CertificateRequests() {}

  /** What a valid request asks for: a key, and the DNS names it wants in its certificate. */
  public record Request(PublicKey publicKey, List<String> dnsNames) {}

  /**
   * A DER-encoded request for {@code name}, signed with {@code keys}' private key: the subject and
   * SAN as {@link Subjects} says, the SAN asked for in an extensionRequest attribute. Written here,
   * not with Bouncy Castle, so a proxy's start loads none of it (see {@link Der}).
   */
  public static byte[] create(KeyPair keys, String name) {
    byte[] subject = Subjects.commonName(name)
        .map(cn -> Der.sequence(Der.set(Der.sequence(Der.oid(COMMON_NAME), Der.utf8(cn)))))
        .orElseGet(Der::sequence);
    byte[] sans = Der.element(Der.OCTET_STRING,
        Der.sequence(Der.element(Der.DNS_NAME, name.getBytes(java.nio.charset.StandardCharsets.US_ASCII))));
    byte[] san = Subjects.sanCritical(name) ? Der.sequence(Der.oid(SUBJECT_ALT_NAME), Der.trueBoolean(), sans)
        : Der.sequence(Der.oid(SUBJECT_ALT_NAME), sans);
    byte[] attributes = Der.element(Der.ATTRIBUTES, Der.sequence(Der.oid(EXTENSION_REQUEST), Der.set(Der.sequence(san))));
    byte[] info = Der.sequence(Der.integer(0), subject, keys.getPublic().getEncoded(), attributes);
    try {
      Signature signer = Signature.getInstance(MeshKeys.SIGNATURE);
      signer.initSign(keys.getPrivate());
      signer.update(info);
      return Der.sequence(info, Der.sequence(Der.oid(ECDSA_WITH_SHA256)), Der.bits(signer.sign()));
    } catch (NoSuchAlgorithmException | InvalidKeyException | SignatureException e) {
      throw new IllegalStateException("cannot sign a CSR with a " + keys.getPrivate().getAlgorithm() + " key", e);
    }
  }

  /**
   * Parses and checks a DER-encoded request: it must decode, carry an ECDSA key, and be signed by
   * that key. Throws {@link IllegalArgumentException} saying which check failed.
   */
  public static Request parse(byte[] der) {
    JcaPKCS10CertificationRequest request;
    PublicKey key;
    try {
      request = new JcaPKCS10CertificationRequest(new PKCS10CertificationRequest(der));
      key = request.getPublicKey();
    } catch (IOException | RuntimeException | NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalArgumentException("the CSR is not a DER-encoded PKCS#10 request: " + e.getMessage(), e);
    }
    if (!(key instanceof ECPublicKey)) {
      throw new IllegalArgumentException("the CSR's key is " + key.getAlgorithm() + "; mesh identities use ECDSA P-256");
    }
    try {
      if (!request.isSignatureValid(new JcaContentVerifierProviderBuilder().build(key))) {
        throw new IllegalArgumentException("the CSR's signature does not verify with its own key");
      }
    } catch (OperatorCreationException | PKCSException e) {
      throw new IllegalArgumentException("the CSR's signature cannot be checked: " + e.getMessage(), e);
    }
    List<String> names = new ArrayList<>();
    for (var attribute : request.getAttributes(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest)) {
      Extensions extensions = Extensions.getInstance(attribute.getAttrValues().getObjectAt(0));
      GeneralNames sans = GeneralNames.fromExtensions(extensions, Extension.subjectAlternativeName);
      if (sans != null) {
        for (GeneralName san : sans.getNames()) {
          if (san.getTagNo() == GeneralName.dNSName) {
            names.add(san.getName().toString());
          }
        }
      }
    }
    return new Request(key, List.copyOf(names));
  }
}
