package io.weft.cli;

import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import picocli.CommandLine.Option;

import java.nio.file.Path;

/** Which Kubernetes API and which control plane a command talks to. */
final class KubeApi {
  @Option(names = "--kubeconfig", paramLabel = "FILE", description = "The kubeconfig file (default: $KUBECONFIG, ~/.kube/config).")
  Path kubeconfig;

  @Option(names = {"--context", "--kube-context"}, paramLabel = "NAME", description = "The kubeconfig context to use.")
  String context;

  @Option(names = {"-L", "--linkerd-namespace", "--control-plane-namespace"}, paramLabel = "NS", defaultValue = "linkerd",
      description = "The control plane's namespace (default: ${DEFAULT-VALUE}).")
  String namespace;

  KubernetesClient client() {
    Config config = kubeconfig != null ? Config.fromKubeconfig(context, kubeconfig.toFile()) : Config.autoConfigure(context);
    return new KubernetesClientBuilder().withConfig(config).build();
  }
}
