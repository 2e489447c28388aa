package io.weft.protocol.identity;


import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * A trust anchor and an issuer signed by it, named as Linkerd names them
 * ({@code root.<cp-ns>.<domain>}, {@code identity.<cp-ns>.<domain>}), and their files: what
 * {@code weft identity create} and {@code weft install} make, and what the local mesh runs with.
 */
public record MeshPki(CertificateAuthority.Credential anchor, CertificateAuthority.Credential issuer) {
  public static final String ANCHOR_CERTIFICATE = "ca.crt";
  public static final String ANCHOR_KEY = "ca.key";
  public static final String ISSUER_CERTIFICATE = "issuer.crt";
  public static final String ISSUER_KEY = "issuer.key";

  public static MeshPki create(String controlPlaneNamespace, String trustDomain, Instant notBefore, Duration anchorValidity,
                               Duration issuerValidity) {
    CertificateAuthority.Credential anchor = CertificateAuthority.trustAnchor(
        "root." + controlPlaneNamespace + "." + trustDomain, notBefore, anchorValidity);
    return new MeshPki(anchor, CertificateAuthority.issuer(anchor, issuerName(controlPlaneNamespace, trustDomain), notBefore,
        issuerValidity));
  }

  public static String issuerName(String controlPlaneNamespace, String trustDomain) {
    return "identity." + controlPlaneNamespace + "." + trustDomain;
  }

  /** The same anchor with a new issuer (an issuer rotation). */
  public MeshPki withNewIssuer(String commonName, Instant notBefore, Duration validity) {
    return new MeshPki(anchor, CertificateAuthority.issuer(anchor, commonName, notBefore, validity));
  }

  /**
   * Writes the four files into {@code directory} (keys readable by their owner only) and returns
   * the issuer files the identity service reads; {@code trustBundle} is what goes into the anchors
   * file (this anchor alone, or several during an anchor rotation).
   */
  public IssuerFiles write(Path directory, List<java.security.cert.X509Certificate> trustBundle) throws IOException {
    Files.createDirectories(directory);
    Path anchors = directory.resolve(ANCHOR_CERTIFICATE);
    Path certificate = directory.resolve(ISSUER_CERTIFICATE);
    Path key = directory.resolve(ISSUER_KEY);
    replace(directory.resolve(ANCHOR_KEY), Pem.encode(anchor.key()));
    replace(anchors, Pem.encode(trustBundle));
    writeIssuer(directory);
    return new IssuerFiles(anchors, certificate, key);
  }

  /** Writes only the issuer's certificate and key into {@code directory} (an issuer rotation keeps the anchor's key away). */
  public void writeIssuer(Path directory) throws IOException {
    Files.createDirectories(directory);
    replace(directory.resolve(ISSUER_KEY), Pem.encode(issuer.key()));
    replace(directory.resolve(ISSUER_CERTIFICATE), Pem.encode(List.of(issuer.certificate())));
  }

  public IssuerFiles write(Path directory) throws IOException {
    return write(directory, List.of(anchor.certificate()));
  }

  /** Written whole and then renamed, so a reader never sees half a file. */
  private static void replace(Path file, String content) throws IOException {
    Path temporary = Files.createTempFile(file.toAbsolutePath().getParent(), "." + file.getFileName(), ".tmp",
        PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
    Files.writeString(temporary, content);
    Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }
}
