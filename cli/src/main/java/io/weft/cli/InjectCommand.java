package io.weft.cli;

import io.weft.operator.inject.InjectionSettings;
import io.weft.operator.inject.ManifestInjector;
import io.weft.operator.inject.ProxyInjector;
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

    @Parameters(arity = "1..*", paramLabel = "FILE", description = "Manifest files or directories of them (YAML or JSON, several "
        + "documents, Lists), or - for stdin.")
    List<String> inputs;

    @Option(names = "--manual", description = "Add the proxy here, as the injector webhook would, instead of only the annotation; "
        + "configured like the installed control plane's injector (its trust anchors and values, read from the cluster) "
        + "unless --identity-trust-anchors-file is given.")
    boolean manual;

    @Option(names = "--ingress", description = "Inject in ingress mode (linkerd.io/inject: ingress).")
    boolean ingress;

    @Option(names = "--identity-trust-anchors-file", paramLabel = "FILE",
        description = "The mesh's trust anchors (PEM), given to the proxy with --manual; with Weft's defaults for the rest.")
    Path trustAnchors;

    @Option(names = "--proxy-image", description = "(default: the install's)") String proxyImage;

    @Option(names = "--proxy-version", description = "(default: this CLI's version)") String proxyVersion;

    @picocli.CommandLine.Mixin KubeApi kube;

    @Override
    public void run() {
      InjectionSettings d = manual && trustAnchors == null ? installed()
          : InjectionSettings.defaults(Weft.version(), trustAnchors == null ? "" : read(trustAnchors), createdBy());
      InjectionSettings settings = new InjectionSettings(proxyImage != null ? proxyImage : d.proxyImage(),
          proxyVersion != null ? proxyVersion : d.proxyVersion(), d.initImage(), kube.namespace, d.trustDomain(),
          d.clusterDomain(), d.trustAnchorsPem(), d.proxyUid(), d.cniEnabled(), d.defaultOpaquePorts(), d.defaultInboundPolicy(),
          d.clusterNetworks(), d.proxy(), d.createdBy());
      ManifestInjector injector = new ManifestInjector(new ProxyInjector(settings));
      print(spec, inputs, text -> injector.inject(text, manual ? ProxyInjector.Mode.MANUAL : ProxyInjector.Mode.ANNOTATE, ingress));
    }

    private static String createdBy() {
      return "weft/cli " + Weft.version();
    }

    /** What the installed control plane's injector would give pods: its trust anchors and values, from the cluster. */
    private InjectionSettings installed() {
      try (var client = kube.client()) {
        var values = io.weft.operator.install.InstallValues.installed(client, kube.namespace);
        var roots = client.configMaps().inNamespace(kube.namespace)
            .withName(io.weft.k8s.identity.IssuerSecrets.TRUST_ROOTS).get();
        String anchors = roots == null || roots.getData() == null ? ""
            : roots.getData().getOrDefault(io.weft.k8s.identity.IssuerSecrets.TRUST_BUNDLE_KEY, "");
        if (anchors.isEmpty()) {
          throw new IllegalArgumentException("ConfigMap " + kube.namespace + "/" + io.weft.k8s.identity.IssuerSecrets.TRUST_ROOTS
              + " has no trust anchors");
        }
        return InjectionSettings.from(io.weft.operator.install.InstallManifests.runtimeSettings(kube.namespace, Weft.version(), values)
            .withFallback(com.typesafe.config.ConfigFactory.load()), Weft.version(), anchors, createdBy());
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("--manual needs the mesh's trust anchors: give --identity-trust-anchors-file, or "
            + "point --kubeconfig/--context at a cluster with Weft installed (" + e.getMessage() + ")", e);
      }
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
    for (String input : inputs.stream().flatMap(InjectCommand::files).toList()) {
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

  /** An input as files: a directory's YAML and JSON files (all levels, in name order), anything else as given. */
  private static java.util.stream.Stream<String> files(String input) {
    Path path = Path.of(input);
    if (input.equals("-") || !Files.isDirectory(path)) {
      return java.util.stream.Stream.of(input);
    }
    try (var walk = Files.walk(path)) {
      return walk.filter(Files::isRegularFile).map(Path::toString)
          .filter(name -> name.endsWith(".yaml") || name.endsWith(".yml") || name.endsWith(".json")).sorted().toList().stream();
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + input + ": " + e.getMessage(), e);
    }
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
