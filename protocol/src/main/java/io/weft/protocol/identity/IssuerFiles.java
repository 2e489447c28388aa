package io.weft.protocol.identity;

import java.nio.file.Path;
import java.util.List;

/** Where an issuer lives on disk: the trust anchors, the issuer's certificate and its key, as PEM files. */
public record IssuerFiles(Path trustAnchors, Path certificate, Path key) {
  /** The {@code weft.identity} settings (HOCON lines) that make a control plane read these files. */
  public List<String> settings() {
    return List.of("weft.identity.trust-anchors-file = \"" + trustAnchors + "\"",
        "weft.identity.issuer-certificate-file = \"" + certificate + "\"",
        "weft.identity.issuer-key-file = \"" + key + "\"");
  }
}
