package io.weft.cli;

import io.weft.k8s.install.InstallManifests;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

@Command(name = "install", description = "Print the Kubernetes manifests that install Weft (pipe them to kubectl apply -f -).")
final class InstallCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(names = "--crds", description = "The CustomResourceDefinitions (Linkerd's policy, route, workload, multicluster Link and ServiceProfile CRDs).")
  boolean crds;

  @Option(names = "--ha", description = "Three control-plane nodes on different hosts, with a PodDisruptionBudget.")
  boolean ha;

  @Option(names = "--identity-trust-anchors-file", paramLabel = "FILE", description = "PEM trust anchors (with the issuer "
      + "files below; without all three a new anchor and issuer are generated).")
  java.nio.file.Path trustAnchors;

  @Option(names = "--identity-issuer-certificate-file", paramLabel = "FILE") java.nio.file.Path issuerCertificate;

  @Option(names = "--identity-issuer-key-file", paramLabel = "FILE") java.nio.file.Path issuerKey;

  @Option(names = "--controller-image", defaultValue = "ghcr.io/weft-mesh/controller", description = "(default: ${DEFAULT-VALUE})")
  String controllerImage;

  @Mixin MeshNames names;

  @Override
  public void run() {
    if (crds) {
      spec.commandLine().getOut().print(InstallManifests.crds());
    } else {
      String anchors;
      String certificate;
      String key;
      if (trustAnchors != null || issuerCertificate != null || issuerKey != null) {
        if (trustAnchors == null || issuerCertificate == null || issuerKey == null) {
          throw new IllegalArgumentException("--identity-trust-anchors-file, --identity-issuer-certificate-file and "
              + "--identity-issuer-key-file go together");
        }
        anchors = read(trustAnchors);
        certificate = read(issuerCertificate);
        key = read(issuerKey);
        // Refuse what the control plane would refuse, now rather than after kubectl apply.
        io.weft.actors.identity.Issuer.load(new io.weft.k8s.identity.IssuerMaterial(anchors, certificate, key),
            java.time.Instant.now());
      } else {
        var pki = io.weft.actors.identity.MeshPki.create(names.controlPlaneNamespace, names.trustDomain, java.time.Instant.now(),
            java.time.Duration.ofDays(365), java.time.Duration.ofDays(365));
        anchors = io.weft.protocol.identity.Pem.encode(java.util.List.of(pki.anchor().certificate()));
        certificate = io.weft.protocol.identity.Pem.encode(java.util.List.of(pki.issuer().certificate()));
        key = io.weft.protocol.identity.Pem.encode(pki.issuer().key());
      }
      spec.commandLine().getOut().print(InstallManifests.controlPlane(new InstallManifests.Values(names.controlPlaneNamespace,
          Weft.version(), controllerImage, "cluster.local", ha, anchors, certificate, key, webhookTls())));
    }
    spec.commandLine().getOut().flush();
  }

  /** A CA of its own and the injector's serving certificate for {@code linkerd-proxy-injector.<ns>.svc}, made at install. */
  private InstallManifests.WebhookTls webhookTls() {
    var now = java.time.Instant.now();
    var validity = java.time.Duration.ofDays(365);
    String service = "linkerd-proxy-injector." + names.controlPlaneNamespace + ".svc";
    var ca = io.weft.actors.identity.CertificateAuthority.trustAnchor(service + " CA", now, validity);
    var keys = io.weft.protocol.identity.MeshKeys.newKeyPair();
    var leaf = io.weft.actors.identity.CertificateAuthority.leaf(ca, keys.getPublic(), service, now, validity);
    return new InstallManifests.WebhookTls(io.weft.protocol.identity.Pem.encode(java.util.List.of(ca.certificate())),
        io.weft.protocol.identity.Pem.encode(java.util.List.of(leaf)), io.weft.protocol.identity.Pem.encode(keys.getPrivate()));
  }

  private static String read(java.nio.file.Path file) {
    try {
      return java.nio.file.Files.readString(file);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
