package io.weft.protocol.identity;


import java.io.ByteArrayInputStream;
import java.security.PrivateKey;
import java.security.cert.CertificateEncodingException;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/** PEM text of certificates and private keys, as Linkerd's Secrets, ConfigMaps and CLI flags carry them. */
public final class Pem {
  private static final Base64.Encoder BASE64 = Base64.getMimeEncoder(64, new byte[] {'\n'});
  private static final String BEGIN = "-----BEGIN ";
  private static final String DASHES = "-----";

  private Pem() {}

  /**
   * Every certificate in {@code pem}, in order; {@code what} names the source in errors. Read with
   * the JDK alone: a proxy reads its trust anchors at start, and Bouncy Castle's signed jars cost
   * it a verification and classes the AOT cache cannot hold.
   */
  public static List<X509Certificate> certificates(String pem, String what) {
    List<X509Certificate> certificates = new ArrayList<>();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      for (Block block : blocks(pem, what)) {
        if (!block.type().equals("CERTIFICATE")) {
          throw new IllegalArgumentException(what + ": expected only CERTIFICATE blocks, found " + block.type());
        }
        certificates.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(block.der())));
      }
    } catch (CertificateException e) {
      throw new IllegalArgumentException(what + ": not PEM-encoded certificates (" + e.getMessage() + ")", e);
    }
    if (certificates.isEmpty()) {
      throw new IllegalArgumentException(what + ": no certificate found");
    }
    return certificates;
  }

  /** One {@code -----BEGIN type-----} … {@code -----END type-----} block, decoded. */
  private record Block(String type, byte[] der) {}

  /** The blocks of {@code pem} in order; text between them is ignored, as PEM readers do. */
  private static List<Block> blocks(String pem, String what) {
    List<Block> blocks = new ArrayList<>();
    int at = 0;
    for (int begin = pem.indexOf(BEGIN, at); begin >= 0; begin = pem.indexOf(BEGIN, at)) {
      int typeEnd = pem.indexOf(DASHES, begin + BEGIN.length());
      if (typeEnd < 0) {
        throw new IllegalArgumentException(what + ": not PEM-encoded certificates (a BEGIN line is not closed)");
      }
      String type = pem.substring(begin + BEGIN.length(), typeEnd);
      String endLine = "-----END " + type + DASHES;
      int end = pem.indexOf(endLine, typeEnd + DASHES.length());
      if (end < 0) {
        throw new IllegalArgumentException(what + ": not PEM-encoded certificates (no END line for its " + type + " block)");
      }
      try {
        blocks.add(new Block(type, Base64.getMimeDecoder().decode(pem.substring(typeEnd + DASHES.length(), end))));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(what + ": not PEM-encoded certificates (" + e.getMessage() + ")", e);
      }
      at = end + endLine.length();
    }
    return blocks;
  }

  public static String encode(List<X509Certificate> certificates) {
    StringBuilder out = new StringBuilder();
    for (X509Certificate certificate : certificates) {
      try {
        out.append(block("CERTIFICATE", certificate.getEncoded()));
      } catch (CertificateEncodingException e) {
        throw new IllegalStateException("a parsed certificate encodes", e);
      }
    }
    return out.toString();
  }

  /** PKCS#8, the form Linkerd's issuer Secret and {@code key.p8} use. */
  public static String encode(PrivateKey key) {
    return block("PRIVATE KEY", key.getEncoded());
  }

  private static String block(String type, byte[] der) {
    return BEGIN + type + DASHES + "\n" + BASE64.encodeToString(der) + "\n-----END " + type + DASHES + "\n";
  }
}
