package io.weft.protocol.identity;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;

import java.io.IOException;
import java.io.StringReader;
import java.security.PrivateKey;

/**
 * PEM private keys, as the control plane, the operator and the CLI read an issuer's or a webhook's:
 * apart from {@link Pem} so that reading certificates (what a proxy does) needs no Bouncy Castle.
 */
public final class PemKeys {
  private PemKeys() {}

  /** The private key in {@code pem}: PKCS#8 ({@code PRIVATE KEY}) or SEC1 ({@code EC PRIVATE KEY}). */
  public static PrivateKey privateKey(String pem, String what) {
    try (PEMParser parser = new PEMParser(new StringReader(pem))) {
      Object o = parser.readObject();
      JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
      return switch (o) {
        case PrivateKeyInfo info -> converter.getPrivateKey(info);
        case PEMKeyPair pair -> converter.getPrivateKey(pair.getPrivateKeyInfo());
        case null -> throw new IllegalArgumentException(what + ": no private key found");
        default -> throw new IllegalArgumentException(what + ": expected a PRIVATE KEY block, found " + o.getClass().getSimpleName());
      };
    } catch (IOException e) {
      throw new IllegalArgumentException(what + ": not a PEM-encoded private key (" + e.getMessage() + ")", e);
    }
  }
}
