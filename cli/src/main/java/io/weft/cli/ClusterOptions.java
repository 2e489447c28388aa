package io.weft.cli;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.weft.k8s.ClusterBackend;
import io.weft.k8s.model.ResourceKind;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;

/** The options every command that runs a control plane shares, turned into configuration. */
final class ClusterOptions {
  @Mixin ClusterSource source;

  @Option(names = "--destination-port", paramLabel = "PORT", description = "Serve the Destination API on this port (default 8086).")
  Integer destinationPort;

  @Option(names = "--cluster-port", paramLabel = "PORT", description = "Control-plane cluster port (default 25520).")
  Integer clusterPort;

  @Option(names = "--control-plane-admin-port", paramLabel = "PORT",
      description = "Serve the control plane's /live, /ready and /metrics on this port (default 9996).")
  Integer adminPort;

  @Option(names = "--event-log", paramLabel = "DIR", description = "Record every input event in this directory.")
  Path eventLog;

  Config config() {
    List<String> overrides = new ArrayList<>();
    if (destinationPort != null) {
      overrides.add("weft.control-plane.destination.port = " + destinationPort);
    }
    if (adminPort != null) {
      overrides.add("weft.control-plane.admin.port = " + adminPort);
    }
    if (clusterPort != null) {
      overrides.add("pekko.remote.artery.canonical.port = " + clusterPort);
    }
    if (eventLog != null) {
      overrides.add("weft.control-plane.event-log.directory = \"" + eventLog.toAbsolutePath() + "\"");
    }
    return ConfigFactory.parseString(String.join("\n", overrides)).withFallback(ConfigFactory.load());
  }

  /** The control plane's backend: from the Kubernetes API, every kind it reads. */
  ClusterBackend backend(Config config) {
    return source.backend(config, EnumSet.allOf(ResourceKind.class));
  }
}
