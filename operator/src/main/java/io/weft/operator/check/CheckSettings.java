package io.weft.operator.check;

import com.typesafe.config.Config;

import java.time.Duration;

/** {@code weft.check}: thresholds and timing of {@code weft check}. */
public record CheckSettings(Duration expiryWarning, Duration retryInterval, String minimumKubernetesVersion,
                            String nativeSidecarKubernetesVersion, Duration maxClockSkew) {
  public static CheckSettings from(Config config) {
    Config c = config.getConfig("weft.check");
    return new CheckSettings(c.getDuration("expiry-warning"), c.getDuration("retry-interval"),
        c.getString("minimum-kubernetes-version"), c.getString("native-sidecar-kubernetes-version"),
        c.getDuration("max-clock-skew"));
  }
}
