package io.weft.protocol.identity;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.Extensions;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.operator.jcajce.JcaContentVerifierProviderBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.PKCSException;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;

import java.io.IOException;
import java.security.InvalidKeyException;
import java.security.KeyPair;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.interfaces.ECPublicKey;
import java.util.ArrayList;
import java.util.List;

/** PKCS#10 certificate signing requests for a mesh identity, as a proxy sends them in {@code Identity.Certify}. */
public final class CertificateRequests {
  private CertificateRequests() {}

  /** What a valid request asks for: a key, and the DNS names it wants in its certificate. */
  public record Request(PublicKey publicKey, List<String> dnsNames) {}

  /** A DER-encoded request for {@code name}, signed with {@code keys}' private key. */
  public static byte[] create(KeyPair keys, String name) {
    try {
      ExtensionsGenerator extensions = new ExtensionsGenerator();
      extensions.addExtension(Extension.subjectAlternativeName, Subjects.sanCritical(name),
          new GeneralNames(new GeneralName(GeneralName.dNSName, name)));
      return new JcaPKCS10CertificationRequestBuilder(Subjects.of(name), keys.getPublic())
          .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
          .build(new JcaContentSignerBuilder(MeshKeys.SIGNATURE).build(keys.getPrivate()))
          .getEncoded();
    } catch (IOException | OperatorCreationException e) {
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
