package io.weft.protocol.identity;

import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;

/** The mesh's key type and signature algorithm: ECDSA on P-256 with SHA-256, as Linkerd's. */
public final class MeshKeys {
  public static final String SIGNATURE = "SHA256withECDSA";

  private MeshKeys() {}

  public static KeyPair newKeyPair() {
    try {
      KeyPairGenerator generator = KeyPairGenerator.getInstance("EC");
      generator.initialize(new ECGenParameterSpec("secp256r1"));
      return generator.generateKeyPair();
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("the JDK provides ECDSA P-256", e);
    }
  }
}
