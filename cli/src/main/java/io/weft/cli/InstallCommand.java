package io.weft.cli;

import io.weft.protocol.identity.IssuerMaterial;
import io.weft.operator.install.InstallManifests;
import io.weft.operator.install.InstallValues;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

import java.time.Instant;

@Command(name = "install", description = "Print the Kubernetes manifests that install Weft (pipe them to kubectl apply -f -).")
final class InstallCommand implements Runnable {
  @Spec CommandSpec spec;

  @Mixin InstallOptions options;

  @Mixin KubeApi kube;

  @picocli.CommandLine.Option(names = "--show-values", description = "Print the values an install takes, with their defaults "
      + "and what each means.")
  boolean showValues;

  @Override
  public void run() {
    if (showValues) {
      spec.commandLine().getOut().print(InstallValues.documented());
    } else if (options.crds) {
      spec.commandLine().getOut().print(InstallManifests.crds());
    } else {
      Instant now = Instant.now();
      InstallValues values = options.values(InstallValues.defaults());
      IssuerMaterial issuer = options.issuerFiles(now);
      InstallManifests.Credentials credentials = issuer != null ? InstallCredentials.withWebhooks(issuer, kube.namespace, now)
          : InstallCredentials.generate(kube.namespace, values.text("identityTrustDomain"), now);
      spec.commandLine().getOut().print(InstallManifests.controlPlane(
          new InstallManifests.Install(kube.namespace, Weft.version(), values, credentials)));
    }
    spec.commandLine().getOut().flush();
  }
}
