package io.weft.operator.check;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.apiextensions.v1.CustomResourceDefinition;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.weft.operator.install.InstallManifests;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Function;
import java.util.stream.Collectors;

/** The control plane's objects: {@code linkerd-crd}, {@code linkerd-existence}, {@code linkerd-config}, versions and HA. */
final class ControlPlaneChecks {
  private static final String COMPONENT_LABEL = "linkerd.io/control-plane-component";
  private static final String COMPONENT = "destination";
  private final CheckTarget target;

  ControlPlaneChecks(CheckTarget target) {
    this.target = target;
  }

  Category crds() {
    return new Category("linkerd-crd", List.of(Check.of("control plane CustomResourceDefinitions exist",
        "install them: weft install --crds | kubectl apply -f -", this::crdsExist)));
  }

  private void crdsExist() throws CheckProblem {
    List<String> problems = new ArrayList<>();
    for (ObjectNode crd : InstallManifests.crdObjects()) {
      String name = crd.path("metadata").path("name").asText();
      CustomResourceDefinition present = target.client.apiextensions().v1().customResourceDefinitions().withName(name).get();
      if (present == null) {
        problems.add("missing " + name);
        continue;
      }
      Set<String> served = present.getSpec().getVersions().stream().filter(v -> Boolean.TRUE.equals(v.getServed()))
          .map(v -> v.getName()).collect(Collectors.toSet());
      for (JsonNode version : crd.path("spec").path("versions")) {
        if (!served.contains(version.path("name").asText())) {
          problems.add(name + " does not serve " + version.path("name").asText());
        }
      }
    }
    if (!problems.isEmpty()) {
      throw CheckProblem.error(String.join("\n", problems));
    }
  }

  Category existence() {
    return new Category("linkerd-existence", List.of(
        Check.of("'linkerd-config' config map exists", "install the control plane: weft install | kubectl apply -f -",
            () -> target.values()).stopsTheRun(),
        Check.of("control plane StatefulSet is ready", "see kubectl -n " + target.namespace
            + " describe statefulset linkerd-control-plane", this::statefulSetReady).awaited(),
        Check.of("no unschedulable pods", "see kubectl -n " + target.namespace + " describe pods: the cluster lacks room, or "
            + "--ha's one-node-per-host rule cannot be met", this::schedulable),
        Check.of("control plane pods are ready", "see kubectl -n " + target.namespace + " logs -l " + COMPONENT_LABEL + "="
            + COMPONENT, this::podsReady).awaited()));
  }

  private void statefulSetReady() throws CheckProblem {
    StatefulSet set = statefulSet();
    int wanted = set.getSpec().getReplicas() == null ? 1 : set.getSpec().getReplicas();
    int ready = set.getStatus() == null || set.getStatus().getReadyReplicas() == null ? 0 : set.getStatus().getReadyReplicas();
    if (ready < wanted) {
      throw CheckProblem.error(ready + " of " + wanted + " control-plane nodes are ready");
    }
  }

  private StatefulSet statefulSet() throws CheckProblem {
    StatefulSet set = target.client.apps().statefulSets().inNamespace(target.namespace).withName(InstallManifests.STATEFUL_SET)
        .get();
    if (set == null) {
      throw CheckProblem.error("StatefulSet " + target.namespace + "/" + InstallManifests.STATEFUL_SET + " does not exist");
    }
    return set;
  }

  private void schedulable() throws CheckProblem {
    List<String> stuck = new ArrayList<>();
    for (Pod pod : controlPlanePods()) {
      pod.getStatus().getConditions().stream()
          .filter(c -> "PodScheduled".equals(c.getType()) && "False".equals(c.getStatus()) && "Unschedulable".equals(c.getReason()))
          .forEach(c -> stuck.add(pod.getMetadata().getName() + ": " + c.getMessage()));
    }
    if (!stuck.isEmpty()) {
      throw CheckProblem.error(String.join("\n", stuck));
    }
  }

  private void podsReady() throws CheckProblem {
    List<Pod> pods = controlPlanePods();
    if (pods.isEmpty()) {
      throw CheckProblem.error("no control plane pods in " + target.namespace);
    }
    List<String> notReady = pods.stream().filter(p -> !ready(p)).map(p -> p.getMetadata().getName()
        + " (" + (p.getStatus() == null ? "no status" : p.getStatus().getPhase()) + ")").toList();
    if (!notReady.isEmpty()) {
      throw CheckProblem.error("not ready: " + String.join(", ", notReady));
    }
  }

  private List<Pod> controlPlanePods() {
    return target.client.pods().inNamespace(target.namespace).withLabel(COMPONENT_LABEL, COMPONENT).list().getItems();
  }

  static boolean ready(Pod pod) {
    return pod.getStatus() != null && pod.getStatus().getConditions() != null && pod.getStatus().getConditions().stream()
        .anyMatch(c -> "Ready".equals(c.getType()) && "True".equals(c.getStatus()));
  }

  Category config() {
    String hint = "apply the control plane again: weft upgrade | kubectl apply -f -";
    return new Category("linkerd-config", List.of(
        Check.of("control plane Namespace exists", "install the control plane: weft install | kubectl apply -f -", () -> {
          if (target.client.namespaces().withName(target.namespace).get() == null) {
            throw CheckProblem.error("namespace " + target.namespace + " does not exist");
          }
        }).stopsTheRun(),
        exist("ClusterRoles", "ClusterRole", hint, name -> target.client.rbac().clusterRoles().withName(name).get()),
        exist("ClusterRoleBindings", "ClusterRoleBinding", hint,
            name -> target.client.rbac().clusterRoleBindings().withName(name).get()),
        exist("ServiceAccounts", "ServiceAccount", hint,
            name -> target.client.serviceAccounts().inNamespace(target.namespace).withName(name).get()),
        exist("Services", "Service", hint, name -> target.client.services().inNamespace(target.namespace).withName(name).get()),
        exist("MutatingWebhookConfigurations", "MutatingWebhookConfiguration", hint,
            name -> target.client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(name).get()),
        exist("ValidatingWebhookConfigurations", "ValidatingWebhookConfiguration", hint,
            name -> target.client.admissionRegistration().v1().validatingWebhookConfigurations().withName(name).get())));
  }

  private Check exist(String plural, String kind, String hint, Function<String, HasMetadata> lookup) {
    return Check.of("control plane " + plural + " exist", hint, () -> {
      Set<String> missing = new TreeSet<>();
      for (String name : target.expectedNames(kind)) {
        if (lookup.apply(name) == null) {
          missing.add(name);
        }
      }
      if (!missing.isEmpty()) {
        throw CheckProblem.error("missing " + kind + " " + String.join(", ", missing));
      }
    });
  }

  Category version() {
    return new Category("control-plane-version", List.of(
        Check.of("can retrieve the control plane version", "see kubectl -n " + target.namespace
            + " get statefulset linkerd-control-plane", () -> controlPlaneVersion()),
        Check.of("control plane and cli versions match", "upgrade the control plane with this CLI: weft upgrade | kubectl apply "
            + "-f -, or use the CLI of the control plane's version", () -> {
          String running = controlPlaneVersion();
          if (!running.equals(target.cliVersion)) {
            throw CheckProblem.warning("control plane running " + running + " but cli running " + target.cliVersion);
          }
        })));
  }

  /** The tag of the control plane's image. */
  private String controlPlaneVersion() throws CheckProblem {
    StatefulSet set = statefulSet();
    String image = set.getSpec().getTemplate().getSpec().getContainers().getFirst().getImage();
    int colon = image.lastIndexOf(':');
    if (colon < 0 || colon < image.lastIndexOf('/')) {
      throw CheckProblem.error("the control plane's image " + image + " has no version tag");
    }
    return image.substring(colon + 1);
  }

  /** Only for an HA install (more than one control-plane node wanted). */
  Category ha() {
    return new Category("linkerd-ha-checks", List.of(
        Check.of("pod injection disabled on kube-system", "label kube-system config.linkerd.io/admission-webhooks=disabled, so "
            + "a failing injector cannot stop the cluster's own pods", this::kubeSystemExcluded),
        Check.of("multiple replicas of control plane pods", "see kubectl -n " + target.namespace + " get pods: nodes are not "
            + "ready, or cannot be placed on different hosts", () -> {
          long ready = controlPlanePods().stream().filter(ControlPlaneChecks::ready).count();
          if (ready < 2) {
            throw CheckProblem.warning(ready + " control plane pod(s) ready; an HA control plane needs at least 2");
          }
        }).awaited()), () -> target.values().number("controllerReplicas") > 1);
  }

  private void kubeSystemExcluded() throws CheckProblem {
    var kubeSystem = target.client.namespaces().withName("kube-system").get();
    if (kubeSystem != null && "disabled".equals(kubeSystem.getMetadata().getLabels() == null ? null
        : kubeSystem.getMetadata().getLabels().get("config.linkerd.io/admission-webhooks"))) {
      return;
    }
    var webhook = target.client.admissionRegistration().v1().mutatingWebhookConfigurations()
        .withName(InstallManifests.AdmissionWebhook.PROXY_INJECTOR.configuration).get();
    boolean excluded = webhook != null && webhook.getWebhooks().stream().allMatch(w -> w.getNamespaceSelector() != null
        && w.getNamespaceSelector().getMatchExpressions().stream().anyMatch(e -> e.getKey().equals("kubernetes.io/metadata.name")
        && e.getOperator().equals("NotIn") && e.getValues().contains("kube-system")));
    if (!excluded) {
      throw CheckProblem.warning("the proxy injector may inject kube-system's pods");
    }
  }
}
