package io.weft.cli;

import io.weft.k8s.model.PodResource;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

import java.time.Duration;

/** The pod a command is about (by name or {@code deploy/NAME}), in which cluster, and how long to wait. */
final class PodSelection {
  @Mixin ClusterOptions cluster;

  @Parameters(paramLabel = "POD", description = "A pod name, or deploy/NAME for one of a Deployment's pods.")
  String target;

  @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "The pod's namespace (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(names = "--timeout", defaultValue = "10s", converter = DurationConverter.class,
      description = "How long to wait for the cluster and the proxy (default: ${DEFAULT-VALUE}).")
  Duration timeout;

  PodResource find() {
    var config = cluster.config();
    ActorSystem<Void> system = ClientSystem.create();
    try {
      return PodLookup.find(system, cluster.backend(config), namespace, target, timeout);
    } finally {
      system.terminate();
    }
  }
}
