package io.weft.protocol.identity;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/** The mesh's key type and signature algorithm: ECDSA on P-256 with SHA-256, as Linkerd's. */
public final class MeshKeys {
  public static final String SIGNATURE = "SHA256withECDSA";
  private static final String CURVE = "secp256r1";
  private static final java.security.spec.EllipticCurve P256 = curve();
  private static final byte[] PROBE = "weft key check".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private MeshKeys() {}

  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec(CURVE));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK provides ECDSA P-256", e);
    }
  }

  /** Whether {@code key} signs what the certificate's public key verifies: they are one pair. */
  public static boolean belongTogether(java.security.cert.X509Certificate certificate, java.security.PrivateKey key) {
    try {
      java.security.Signature signer = java.security.Signature.getInstance(SIGNATURE);
      signer.initSign(key);
      signer.update(PROBE);
      byte[] signature = signer.sign();
      java.security.Signature verifier = java.security.Signature.getInstance(SIGNATURE);
      verifier.initVerify(certificate.getPublicKey());
      verifier.update(PROBE);
      return verifier.verify(signature);
    } catch (GeneralSecurityException e) {
      return false;
    }
  }

  /** Whether a certificate's key is the mesh's kind: ECDSA on P-256. */
  public static boolean isMeshKey(java.security.cert.X509Certificate certificate) {
    return certificate.getPublicKey() instanceof java.security.interfaces.ECPublicKey ec
        && ec.getParams().getCurve().equals(P256);
  }

  private static java.security.spec.EllipticCurve curve() {
    try {
      java.security.AlgorithmParameters parameters = java.security.AlgorithmParameters.getInstance("EC");
      parameters.init(new ECGenParameterSpec(CURVE));
      return parameters.getParameterSpec(java.security.spec.ECParameterSpec.class).getCurve();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK provides ECDSA P-256", e);
    }
  }
}
