package io.weft.cli;

import io.weft.k8s.install.InstallManifests;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "install", description = "Print the Kubernetes manifests that install Weft (pipe them to kubectl apply -f -).")
final class InstallCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(names = "--crds", description = "The CustomResourceDefinitions (Linkerd's policy, route, workload, multicluster Link and ServiceProfile CRDs).")
  boolean crds;

  @Override
  public void run() {
    if (!crds) {
      throw new IllegalArgumentException("only `weft install --crds` is available so far; the control-plane manifests "
          + "are not written yet");
    }
    spec.commandLine().getOut().print(InstallManifests.crds());
    spec.commandLine().getOut().flush();
  }
}
