package io.weft.operator.check;

import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReview;
import io.fabric8.kubernetes.api.model.authorization.v1.SelfSubjectAccessReviewBuilder;
import io.fabric8.kubernetes.client.VersionInfo;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/** The cluster itself: {@code kubernetes-api}, {@code kubernetes-version} and, for {@code --pre}, {@code pre-kubernetes-setup}. */
final class KubernetesChecks {
  private static final String API_HINT = "check that your kubeconfig points at the cluster (--kubeconfig, --context) and "
      + "that the API server is reachable from here";
  private final CheckTarget target;

  KubernetesChecks(CheckTarget target) {
    this.target = target;
  }

  Category api() {
    return new Category("kubernetes-api", List.of(
        Check.of("can initialize the client", API_HINT, () -> {
          if (target.client.getMasterUrl() == null) {
            throw CheckProblem.error("the kubeconfig names no API server");
          }
        }).stopsTheRun(),
        Check.of("can query the Kubernetes API", API_HINT, () -> {
          try {
            target.client.namespaces().list();
          } catch (RuntimeException e) {
            throw CheckProblem.error(target.client.getMasterUrl() + ": " + CheckRunner.describe(e));
          }
        }).stopsTheRun()));
  }

  Category version() {
    return new Category("kubernetes-version", List.of(
        Check.of("is running the minimum Kubernetes API version", "upgrade the cluster to Kubernetes "
            + target.settings.minimumKubernetesVersion() + " or later", () -> {
          String running = running();
          if (compare(running, target.settings.minimumKubernetesVersion()) < 0) {
            throw CheckProblem.error("Kubernetes " + running + " is older than " + target.settings.minimumKubernetesVersion());
          }
        }),
        Check.of("supports native sidecar containers", "upgrade to Kubernetes " + target.settings.nativeSidecarKubernetesVersion()
            + ", or annotate workloads config.linkerd.io/proxy-enable-native-sidecar: \"false\"", () -> {
          String running = running();
          if (compare(running, target.settings.nativeSidecarKubernetesVersion()) < 0) {
            throw CheckProblem.warning("Kubernetes " + running + " has no native sidecars; the proxy will run as an ordinary "
                + "container only where annotated so");
          }
        })));
  }

  /** Before an install: nothing there yet, and the user may create everything an install creates. */
  Category preInstall() {
    List<Check> checks = new ArrayList<>();
    checks.add(Check.of("control plane namespace does not already exist", "choose another --linkerd-namespace, or run "
        + "weft uninstall | kubectl delete -f - first", () -> {
      if (target.client.namespaces().withName(target.namespace).get() != null) {
        throw CheckProblem.error("the " + target.namespace + " namespace already exists");
      }
    }));
    record Access(String description, String group, String resource, String verb, boolean namespaced) {}
    List<Access> accesses = List.of(
        new Access("can create non-namespaced resources", "rbac.authorization.k8s.io", "clusterroles", "create", false),
        new Access("can create ServiceAccounts", "", "serviceaccounts", "create", true),
        new Access("can create Services", "", "services", "create", true),
        new Access("can create StatefulSets", "apps", "statefulsets", "create", true),
        new Access("can create ConfigMaps", "", "configmaps", "create", true),
        new Access("can create Secrets", "", "secrets", "create", true),
        new Access("can read Secrets", "", "secrets", "get", true),
        new Access("can create CustomResourceDefinitions", "apiextensions.k8s.io", "customresourcedefinitions", "create", false),
        new Access("can create MutatingWebhookConfigurations", "admissionregistration.k8s.io", "mutatingwebhookconfigurations",
            "create", false),
        new Access("can create ValidatingWebhookConfigurations", "admissionregistration.k8s.io",
            "validatingwebhookconfigurations", "create", false));
    for (Access a : accesses) {
      checks.add(Check.of(a.description(), "run as a user who may " + a.verb() + " " + a.resource() + " (the install needs "
          + "cluster-admin-like rights)", () -> allowed(a.group(), a.resource(), a.verb(), a.namespaced() ? target.namespace : null)));
    }
    checks.add(Check.of("no clock skew detected", "synchronise the clocks of this machine and the cluster's nodes (NTP)",
        this::clockSkew));
    return new Category("pre-kubernetes-setup", checks);
  }

  private void allowed(String group, String resource, String verb, String namespace) throws CheckProblem {
    SelfSubjectAccessReview review = target.client.authorization().v1().selfSubjectAccessReview().create(
        new SelfSubjectAccessReviewBuilder().withNewSpec().withNewResourceAttributes().withGroup(group).withResource(resource)
            .withVerb(verb).withNamespace(namespace).endResourceAttributes().endSpec().build());
    if (review.getStatus() == null || !Boolean.TRUE.equals(review.getStatus().getAllowed())) {
      String reason = review.getStatus() == null || review.getStatus().getReason() == null ? "" : ": " + review.getStatus().getReason();
      throw CheckProblem.error("not allowed to " + verb + " " + resource + (namespace == null ? "" : " in " + namespace) + reason);
    }
  }

  private void clockSkew() throws CheckProblem {
    Duration limit = target.settings.maxClockSkew();
    for (var node : target.client.nodes().list().getItems()) {
      for (var condition : node.getStatus() == null ? List.<io.fabric8.kubernetes.api.model.NodeCondition>of()
          : node.getStatus().getConditions()) {
        if ("Ready".equals(condition.getType()) && condition.getLastHeartbeatTime() != null) {
          Instant heartbeat = Instant.parse(condition.getLastHeartbeatTime());
          Duration skew = Duration.between(heartbeat, target.now).abs();
          if (skew.compareTo(limit) > 0) {
            throw CheckProblem.error("node " + node.getMetadata().getName() + "'s clock is " + skew.toSeconds()
                + " s away from this machine's (more than " + limit.toSeconds() + " s)");
          }
        }
      }
    }
  }

  private String running() throws CheckProblem {
    VersionInfo version = target.client.getKubernetesVersion();
    if (version == null || version.getMajor() == null) {
      throw CheckProblem.error("the API server did not say its version");
    }
    return version.getMajor().replaceAll("\\D", "") + "." + version.getMinor().replaceAll("\\D", "");
  }

  /** Compares major.minor versions. */
  static int compare(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < 2; i++) {
      int c = Integer.compare(i < x.length ? Integer.parseInt(x[i]) : 0, i < y.length ? Integer.parseInt(y[i]) : 0);
      if (c != 0) {
        return c;
      }
    }
    return 0;
  }
}
