package io.weft.protocol.identity;

import java.security.InvalidKeyException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.NoSuchAlgorithmException;
import java.security.PublicKey;
import java.security.Signature;
import java.security.SignatureException;
import java.security.spec.InvalidKeySpecException;
import java.security.spec.X509EncodedKeySpec;
import java.util.ArrayList;
import java.util.List;

/** PKCS#10 certificate signing requests for a mesh identity, as a proxy sends them in {@code Identity.Certify}. */
public final class CertificateRequests {
  // Object identifiers, encoded once.
  private static final byte[] COMMON_NAME = Der.oid("2.5.4.3");
  private static final byte[] SUBJECT_ALT_NAME = Der.oid("2.5.29.17");
  private static final byte[] EXTENSION_REQUEST = Der.oid("1.2.840.113549.1.9.14");
  private static final byte[] ECDSA_WITH_SHA256 = Der.oid("1.2.840.10045.4.3.2");
  private static final byte[] EC_PUBLIC_KEY = Der.oid("1.2.840.10045.2.1");
  private static final byte[] RSA = Der.oid("1.2.840.113549.1.1.1");
  private static final String NOT_PKCS10 = "the CSR is not a DER-encoded PKCS#10 request: ";

  private CertificateRequests() {}

  /** What a valid request asks for: a key, and the DNS names it wants in its certificate. */
  public record Request(PublicKey publicKey, List<String> dnsNames) {}

  /**
   * A DER-encoded request for {@code name}, signed with {@code keys}' private key: the subject and
   * SAN as {@link Subjects} says, the SAN asked for in an extensionRequest attribute. Written (and
   * read) here, not with Bouncy Castle, so a proxy's start loads none of it (see {@link Der}).
   */
  public static byte[] create(KeyPair keys, String name) {
    byte[] subject = Subjects.commonName(name)
        .map(cn -> Der.sequence(Der.set(Der.sequence(COMMON_NAME, Der.utf8(cn)))))
        .orElseGet(Der::sequence);
    byte[] sans = Der.element(Der.OCTET_STRING,
        Der.sequence(Der.element(Der.DNS_NAME, name.getBytes(java.nio.charset.StandardCharsets.US_ASCII))));
    byte[] san = Subjects.sanCritical(name) ? Der.sequence(SUBJECT_ALT_NAME, Der.trueBoolean(), sans)
        : Der.sequence(SUBJECT_ALT_NAME, sans);
    byte[] attributes = Der.element(Der.ATTRIBUTES, Der.sequence(EXTENSION_REQUEST, Der.set(Der.sequence(san))));
    byte[] info = Der.sequence(Der.integer(0), subject, keys.getPublic().getEncoded(), attributes);
    try {
      Signature signer = Signature.getInstance(MeshKeys.SIGNATURE);
      signer.initSign(keys.getPrivate());
      signer.update(info);
      return Der.sequence(info, Der.sequence(ECDSA_WITH_SHA256), Der.bits(signer.sign()));
    } catch (NoSuchAlgorithmException | InvalidKeyException | SignatureException e) {
      throw new IllegalStateException("cannot sign a CSR with a " + keys.getPrivate().getAlgorithm() + " key", e);
    }
  }

  /**
   * Parses and checks a DER-encoded request: it must decode, carry an ECDSA key, and be signed by
   * that key. Throws {@link IllegalArgumentException} saying which check failed.
   */
  public static Request parse(byte[] der) {
    byte[] info;
    byte[] signature;
    Der.Reader fields;
    try {
      Der.Reader request = new Der.Reader(der).enter(Der.SEQUENCE);
      info = request.read(Der.SEQUENCE);
      request.read(Der.SEQUENCE); // the signature's algorithm: a mesh key's own decides the check
      byte[] bits = request.enter(Der.BIT_STRING).rest();
      if (bits.length < 1 || bits[0] != 0) {
        throw new IllegalArgumentException("the signature is not a whole number of bytes");
      }
      signature = java.util.Arrays.copyOfRange(bits, 1, bits.length);
      fields = new Der.Reader(info).enter(Der.SEQUENCE);
      fields.read(Der.INTEGER); // version
      fields.read(Der.SEQUENCE); // subject: the identity is the SAN
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(NOT_PKCS10 + e.getMessage(), e);
    }
    PublicKey key = publicKey(fields);
    try {
      Signature verifier = Signature.getInstance(MeshKeys.SIGNATURE);
      verifier.initVerify(key);
      verifier.update(info);
      if (!verifier.verify(signature)) {
        throw new IllegalArgumentException("the CSR's signature does not verify with its own key");
      }
    } catch (NoSuchAlgorithmException | InvalidKeyException | SignatureException e) {
      throw new IllegalArgumentException("the CSR's signature cannot be checked: " + e.getMessage(), e);
    }
    try {
      return new Request(key, dnsNames(fields));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(NOT_PKCS10 + e.getMessage(), e);
    }
  }

  private static PublicKey publicKey(Der.Reader fields) {
    byte[] spki;
    byte[] algorithm;
    try {
      spki = fields.read(Der.SEQUENCE);
      algorithm = new Der.Reader(spki).enter(Der.SEQUENCE).enter(Der.SEQUENCE).read(Der.OID);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(NOT_PKCS10 + e.getMessage(), e);
    }
    if (!java.util.Arrays.equals(algorithm, EC_PUBLIC_KEY)) {
      throw new IllegalArgumentException("the CSR's key is " + (java.util.Arrays.equals(algorithm, RSA) ? "RSA"
          : "not an elliptic-curve key") + "; mesh identities use ECDSA P-256");
    }
    try {
      return KeyFactory.getInstance("EC").generatePublic(new X509EncodedKeySpec(spki));
    } catch (NoSuchAlgorithmException | InvalidKeySpecException e) {
      throw new IllegalArgumentException("the CSR's key cannot be read: " + e.getMessage(), e);
    }
  }

  /** The DNS names of the SAN the request's extensionRequest attribute asks for. */
  private static List<String> dnsNames(Der.Reader fields) {
    List<String> names = new ArrayList<>();
    if (fields.peek() != Der.ATTRIBUTES) {
      return names;
    }
    Der.Reader attributes = fields.enter(Der.ATTRIBUTES);
    while (!attributes.atEnd()) {
      Der.Reader attribute = attributes.enter(Der.SEQUENCE);
      boolean extensionRequest = java.util.Arrays.equals(attribute.read(Der.OID), EXTENSION_REQUEST);
      Der.Reader values = attribute.enter(Der.SET);
      while (extensionRequest && !values.atEnd()) {
        Der.Reader extensions = values.enter(Der.SEQUENCE);
        while (!extensions.atEnd()) {
          Der.Reader extension = extensions.enter(Der.SEQUENCE);
          boolean san = java.util.Arrays.equals(extension.read(Der.OID), SUBJECT_ALT_NAME);
          if (extension.peek() == Der.BOOLEAN) {
            extension.skip(); // critical or not, the names are the same
          }
          Der.Reader value = extension.enter(Der.OCTET_STRING);
          if (san) {
            Der.Reader generalNames = value.enter(Der.SEQUENCE);
            while (!generalNames.atEnd()) {
              if (generalNames.peek() == Der.DNS_NAME) {
                names.add(new String(generalNames.enter(Der.DNS_NAME).rest(), java.nio.charset.StandardCharsets.US_ASCII));
              } else {
                generalNames.skip();
              }
            }
          }
        }
      }
    }
    return List.copyOf(names);
  }
}
