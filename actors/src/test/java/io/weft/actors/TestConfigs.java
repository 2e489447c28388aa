package io.weft.actors;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;

import java.nio.file.Path;

/** Control-plane configuration for tests: ephemeral ports, quick retries, an event log in a temp dir. */
public final class TestConfigs {
  /** One local-token key per test JVM, never the user's own. */
  public static final Path TOKEN_KEY = tokenKey();

  private TestConfigs() {}

  private static Path tokenKey() {
    try {
      return java.nio.file.Files.createTempDirectory("weft-tokens").resolve("local-token.key");
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  public static Config node(Path eventLog, boolean joinSelf) {
    return ConfigFactory.parseString(String.join("\n",
            "pekko.remote.artery.canonical.port = 0",
            "pekko.loglevel = WARNING",
            "pekko.cluster.jmx.enabled = off",
            "weft.control-plane.destination.interface = \"127.0.0.1\"",
            "weft.control-plane.destination.port = 0", "weft.control-plane.admin.port = 0",
            "weft.control-plane.join-self = " + joinSelf,
            "weft.control-plane.event-log.directory = \"" + (eventLog == null ? "" : eventLog.toString()) + "\"",
            "weft.local-cluster.rescan-interval = 500ms",
            "weft.local-cluster.token-key-file = \"" + TOKEN_KEY + "\"",
            "weft.kubernetes.min-backoff = 50ms",
            "weft.kubernetes.max-backoff = 500ms"))
        .withFallback(ConfigFactory.load());
  }
}
