package io.weft.cli;

import io.weft.k8s.inject.InjectionSettings;
import io.weft.k8s.inject.ManifestInjector;
import io.weft.k8s.inject.ProxyInjector;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

/** {@code weft inject} and {@code weft uninject}: manifests in (files or {@code -}), manifests out, a report on stderr. */
final class InjectCommand {
  private InjectCommand() {}

  @Command(name = "inject", description = "Add the Weft proxy to the pod templates of Kubernetes manifests (stdout), "
      + "reporting each resource on stderr. Without --manual only linkerd.io/inject: enabled is added, for the injector webhook.")
  static final class Inject implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Manifest files (YAML or JSON, several documents, Lists), or - for stdin.")
    List<String> inputs;

    @Option(names = "--manual", description = "Add the proxy here, as the injector webhook would, instead of only the annotation.")
    boolean manual;

    @Option(names = "--ingress", description = "Inject in ingress mode (linkerd.io/inject: ingress).")
    boolean ingress;

    @Option(names = "--identity-trust-anchors-file", paramLabel = "FILE",
        description = "The mesh's trust anchors (PEM), given to the proxy with --manual.")
    Path trustAnchors;

    @Option(names = "--proxy-image", description = "(default: the install's)") String proxyImage;

    @Option(names = "--proxy-version", description = "(default: this CLI's version)") String proxyVersion;

    @Option(names = "--control-plane-namespace", defaultValue = "linkerd", description = "(default: ${DEFAULT-VALUE})")
    String controlPlaneNamespace;

    @Override
    public void run() {
      if (manual && trustAnchors == null) {
        throw new IllegalArgumentException("--manual needs --identity-trust-anchors-file (the proxy must know whom to trust)");
      }
      InjectionSettings d = InjectionSettings.defaults(proxyVersion != null ? proxyVersion : Weft.version(),
          trustAnchors == null ? "" : read(trustAnchors), "weft/cli " + Weft.version());
      InjectionSettings settings = new InjectionSettings(proxyImage != null ? proxyImage : d.proxyImage(), d.proxyVersion(),
          d.initImage(), controlPlaneNamespace, d.trustDomain(), d.clusterDomain(), d.trustAnchorsPem(), d.proxyUid(),
          d.cniEnabled(), d.defaultOpaquePorts(), d.createdBy());
      ManifestInjector injector = new ManifestInjector(new ProxyInjector(settings));
      print(spec, inputs, text -> injector.inject(text, manual ? ProxyInjector.Mode.MANUAL : ProxyInjector.Mode.ANNOTATE, ingress));
    }
  }

  @Command(name = "uninject", description = "Remove the Weft proxy from the pod templates of Kubernetes manifests (stdout).")
  static final class Uninject implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Manifest files, or - for stdin.")
    List<String> inputs;

    @Override
    public void run() {
      ManifestInjector injector = new ManifestInjector(new ProxyInjector(InjectionSettings.defaults(Weft.version(), "", "")));
      print(spec, inputs, injector::uninject);
    }
  }

  private static void print(CommandSpec spec, List<String> inputs, java.util.function.Function<String, ManifestInjector.Result> change) {
    StringBuilder out = new StringBuilder();
    for (String input : inputs) {
      ManifestInjector.Result result = change.apply(input.equals("-") ? stdin() : read(Path.of(input)));
      if (!out.isEmpty() && !result.yaml().isEmpty()) {
        out.append("---\n");
      }
      out.append(result.yaml());
      result.reports().forEach(r -> spec.commandLine().getErr().println(r.line()));
    }
    spec.commandLine().getOut().print(out);
    spec.commandLine().getOut().flush();
    spec.commandLine().getErr().flush();
  }

  private static String stdin() {
    try {
      return new String(System.in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read stdin", e);
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
