package io.weft.cli;

import com.typesafe.config.Config;
import io.weft.actors.ControlPlaneSettings;
import io.weft.k8s.ClusterBackend;
import io.weft.k8s.api.KubeApiBackend;
import io.weft.k8s.local.LocalClusterBackend;
import io.weft.k8s.model.ResourceKind;
import picocli.CommandLine.Option;

import java.nio.file.Path;
import java.util.Set;

/** Where a command reads the cluster: a directory of manifests, or the Kubernetes API of a kubeconfig context. */
final class ClusterSource {
  @Option(names = "--local-cluster", paramLabel = "DIR",
      description = "Run on a directory of Kubernetes manifests instead of the Kubernetes API.")
  Path localCluster;

  @Option(names = "--kube-context", paramLabel = "NAME", description = "The kubeconfig context to use.")
  String kubeContext;

  /** The backend, with {@code config}'s settings; from the Kubernetes API, only {@code kinds} are watched. */
  ClusterBackend backend(Config config, Set<ResourceKind> kinds) {
    ControlPlaneSettings settings = ControlPlaneSettings.from(config);
    if (localCluster != null) {
      return new LocalClusterBackend(localCluster, settings.localCluster());
    }
    return new KubeApiBackend(io.fabric8.kubernetes.client.Config.autoConfigure(kubeContext), kinds, settings.kubernetes());
  }
}
