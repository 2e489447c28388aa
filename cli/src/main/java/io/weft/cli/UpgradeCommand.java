package io.weft.cli;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.weft.operator.install.InstallManifests;
import io.weft.operator.install.InstallValues;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.time.Instant;

@Command(name = "upgrade", description = "Print the manifests of the installed control plane at this version: the values it "
    + "was installed with (from linkerd-config) and any given here, its issuer and trust roots (pipe them to kubectl apply -f -).")
final class UpgradeCommand implements Runnable {
  @Spec CommandSpec spec;

  @Mixin InstallOptions options;

  @Mixin KubeApi kube;

  @Override
  public void run() {
    if (options.crds) {
      spec.commandLine().getOut().print(InstallManifests.crds());
    } else {
      Instant now = Instant.now();
      try (KubernetesClient client = kube.client()) {
        InstallValues recorded;
        try {
          recorded = InstallValues.installed(client, kube.namespace);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(e.getMessage() + "; use weft install", e);
        }
        InstallValues values = options.values(recorded);
        InstallManifests.Credentials credentials = InstallCredentials.fromCluster(client, kube.namespace,
            options.issuerFiles(now), now);
        spec.commandLine().getOut().print(InstallManifests.controlPlane(
            new InstallManifests.Install(kube.namespace, Weft.version(), values, credentials)));
      }
    }
    spec.commandLine().getOut().flush();
  }
}
