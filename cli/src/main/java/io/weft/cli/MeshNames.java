package io.weft.cli;

import picocli.CommandLine.Option;

/** The names mesh identities are made of: {@code <sa>.<ns>.serviceaccount.identity.<control-plane-ns>.<trust-domain>}. */
final class MeshNames {
  @Option(names = "--control-plane-namespace", defaultValue = "linkerd", description = "(default: ${DEFAULT-VALUE})")
  String controlPlaneNamespace;

  @Option(names = "--trust-domain", defaultValue = "cluster.local", description = "(default: ${DEFAULT-VALUE})")
  String trustDomain;
}
