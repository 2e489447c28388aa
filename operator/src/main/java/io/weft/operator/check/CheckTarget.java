package io.weft.operator.check;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.weft.operator.install.InstallManifests;
import io.weft.operator.install.InstallValues;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * What a run of checks looks at: the cluster, the control plane's namespace, the data-plane
 * namespace ({@code --proxy -n}), the CLI's version and the moment of the run; and what earlier
 * checks read, kept for the later ones.
 */
public final class CheckTarget {
  final KubernetesClient client;
  final String namespace;
  final Optional<String> dataPlaneNamespace;
  final String cliVersion;
  final Instant now;
  final CheckSettings settings;
  private InstallValues values;
  private List<ObjectNode> expectedObjects;

  public CheckTarget(KubernetesClient client, String namespace, Optional<String> dataPlaneNamespace, String cliVersion,
                     Instant now, CheckSettings settings) {
    this.client = client;
    this.namespace = namespace;
    this.dataPlaneNamespace = dataPlaneNamespace;
    this.cliVersion = cliVersion;
    this.now = now;
    this.settings = settings;
  }

  /** The values the control plane was installed with ({@code linkerd-config}). */
  InstallValues values() throws CheckProblem {
    if (values == null) {
      try {
        values = InstallValues.installed(client, namespace);
      } catch (IllegalArgumentException e) {
        throw CheckProblem.error(e.getMessage());
      }
    }
    return values;
  }

  /** The objects the install consists of, by its recorded values (their secrets left out). */
  private List<ObjectNode> expectedObjects() throws CheckProblem {
    if (expectedObjects == null) {
      expectedObjects = InstallManifests.controlPlaneObjects(new InstallManifests.Install(namespace, cliVersion, values(),
          InstallManifests.Credentials.none()));
    }
    return expectedObjects;
  }

  /** The names of the expected objects of one kind. */
  List<String> expectedNames(String kind) throws CheckProblem {
    return expectedObjects().stream().filter(o -> o.path("kind").asText().equals(kind))
        .map(o -> o.path("metadata").path("name").asText()).toList();
  }

  String durationUntil(Instant end) {
    java.time.Duration left = java.time.Duration.between(now, end);
    return left.isNegative() ? "expired " + end : left.toDays() + " days (until " + end + ")";
  }
}
