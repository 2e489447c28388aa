package io.weft.actors.identity;

import com.typesafe.config.Config;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The identity service's settings ({@code weft.identity} in reference.conf). Issuer files, when
 * given, take precedence over the cluster's issuer Secret.
 */
public record IdentitySettings(Optional<IssuerFiles> files, Duration issuanceLifetime, Duration clockSkewAllowance,
                               Duration reloadInterval) {
  public record IssuerFiles(Path trustAnchors, Path certificate, Path key) {
    /** The {@code weft.identity} settings (HOCON lines) that make a control plane read these files. */
    public java.util.List<String> settings() {
      return java.util.List.of("weft.identity.trust-anchors-file = \"" + trustAnchors + "\"",
          "weft.identity.issuer-certificate-file = \"" + certificate + "\"",
          "weft.identity.issuer-key-file = \"" + key + "\"");
    }
  }

  public static IdentitySettings from(Config config) {
    Config c = config.getConfig("weft.identity");
    String anchors = c.getString("trust-anchors-file");
    String certificate = c.getString("issuer-certificate-file");
    String key = c.getString("issuer-key-file");
    Optional<IssuerFiles> files = Optional.empty();
    if (!anchors.isEmpty() || !certificate.isEmpty() || !key.isEmpty()) {
      if (anchors.isEmpty() || certificate.isEmpty() || key.isEmpty()) {
        throw new IllegalArgumentException("weft.identity: trust-anchors-file, issuer-certificate-file and issuer-key-file "
            + "are set together or not at all");
      }
      files = Optional.of(new IssuerFiles(Path.of(anchors), Path.of(certificate), Path.of(key)));
    }
    return new IdentitySettings(files, c.getDuration("issuance-lifetime"), c.getDuration("clock-skew-allowance"),
        c.getDuration("reload-interval"));
  }
}
