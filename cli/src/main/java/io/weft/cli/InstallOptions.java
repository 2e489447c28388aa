package io.weft.cli;

import io.weft.protocol.identity.IssuerMaterial;
import io.weft.operator.install.InstallValues;
import picocli.CommandLine.Option;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The options {@code weft install} and {@code weft upgrade} share: the values and the identity files. */
final class InstallOptions {
  @Option(names = "--crds", description = "Only the CustomResourceDefinitions (Linkerd's policy, route, workload, multicluster "
      + "Link and ServiceProfile CRDs).")
  boolean crds;

  @Option(names = "--ha", description = "Apply the high-availability values first: 3 control-plane nodes on different hosts, "
      + "a PodDisruptionBudget, webhooks that fail closed.")
  boolean ha;

  @Option(names = {"-f", "--values"}, paramLabel = "FILE", description = "A YAML file of values (repeatable, later ones win); "
      + "weft install --show-values prints the keys and their defaults.")
  List<Path> valuesFiles = new ArrayList<>();

  @Option(names = "--set", paramLabel = "KEY=VALUE", description = "One value, applied after the files (repeatable), "
      + "e.g. --set controllerReplicas=2.")
  List<String> sets = new ArrayList<>();

  @Option(names = "--identity-trust-anchors-file", paramLabel = "FILE", description = "PEM trust anchors (with the issuer "
      + "files below; without all three an install generates a new anchor and issuer, an upgrade keeps the cluster's).")
  Path trustAnchors;

  @Option(names = "--identity-issuer-certificate-file", paramLabel = "FILE") Path issuerCertificate;

  @Option(names = "--identity-issuer-key-file", paramLabel = "FILE") Path issuerKey;

  /** {@code base} with --ha, the files and --set over it. */
  InstallValues values(InstallValues base) {
    InstallValues values = ha ? base.withHa() : base;
    for (Path file : valuesFiles) {
      try {
        values = values.withValues(Files.readString(file), file.toString());
      } catch (java.io.IOException e) {
        throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
      }
    }
    for (String set : sets) {
      values = values.withSet(set);
    }
    return values;
  }

  /** The identity files, checked; {@code null} when none were given. */
  IssuerMaterial issuerFiles(Instant now) {
    return InstallCredentials.issuerFiles(trustAnchors, issuerCertificate, issuerKey, now);
  }
}
