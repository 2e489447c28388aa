package io.weft.actors.identity;

import com.typesafe.config.Config;
import io.weft.protocol.identity.IssuerFiles;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;

/**
 * The identity service's settings ({@code weft.identity} in reference.conf). Issuer files, when
 * given, take precedence over the cluster's issuer Secret.
 */
public record IdentitySettings(Optional<IssuerFiles> files, Duration issuanceLifetime, Duration clockSkewAllowance,
                               Duration reloadInterval) {
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
