package io.weft.cli;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.weft.k8s.decode.YamlDocuments;
import io.weft.operator.install.InstallManifests;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;

@Command(name = "uninstall", description = "Print what to delete to remove the control plane and the CRDs (pipe it to "
    + "kubectl delete -f -). Refuses while meshed pods remain, unless --force.")
final class UninstallCommand implements Runnable {
  /** Every kind an install creates, found again by the label each object of an install carries. */
  private static final List<Class<? extends HasMetadata>> KINDS = List.of(
      io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfiguration.class,
      io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfiguration.class,
      io.fabric8.kubernetes.api.model.apps.StatefulSet.class,
      io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget.class,
      io.fabric8.kubernetes.api.model.Service.class,
      io.fabric8.kubernetes.api.model.Secret.class,
      io.fabric8.kubernetes.api.model.ConfigMap.class,
      io.fabric8.kubernetes.api.model.rbac.RoleBinding.class,
      io.fabric8.kubernetes.api.model.rbac.Role.class,
      io.fabric8.kubernetes.api.model.rbac.ClusterRoleBinding.class,
      io.fabric8.kubernetes.api.model.rbac.ClusterRole.class,
      io.fabric8.kubernetes.api.model.ServiceAccount.class,
      io.fabric8.kubernetes.api.model.Namespace.class);

  @Spec CommandSpec spec;

  @Mixin KubeApi kube;

  @Option(names = "--force", description = "Uninstall even though meshed pods remain (they keep their proxies, which then "
      + "cannot renew their certificates).")
  boolean force;

  @Override
  public void run() {
    try (KubernetesClient client = kube.client()) {
      List<Pod> meshed = client.pods().inAnyNamespace().withLabel(io.weft.k8s.model.PodResource.CONTROL_PLANE_NS_LABEL, kube.namespace).list()
          .getItems().stream().filter(p -> !kube.namespace.equals(p.getMetadata().getNamespace())).toList();
      if (!meshed.isEmpty() && !force) {
        throw new IllegalArgumentException(meshed.size() + " meshed pod(s) remain (" + String.join(", ", meshed.stream().limit(5)
            .map(p -> p.getMetadata().getNamespace() + "/" + p.getMetadata().getName()).toList()) + (meshed.size() > 5 ? ", …" : "")
            + "); uninject their workloads first (weft uninject), or pass --force");
      }
      List<ObjectNode> deletions = new ArrayList<>();
      for (Class<? extends HasMetadata> kind : KINDS) {
        client.resources(kind).inAnyNamespace().withLabel(io.weft.k8s.model.PodResource.CONTROL_PLANE_NS_LABEL, kube.namespace).list()
            .getItems().forEach(o -> deletions.add(reference(o)));
      }
      for (ObjectNode crd : InstallManifests.crdObjects()) {
        String name = crd.path("metadata").path("name").asText();
        var present = client.apiextensions().v1().customResourceDefinitions().withName(name).get();
        if (present != null) {
          deletions.add(reference(present));
        }
      }
      if (deletions.isEmpty()) {
        spec.commandLine().getErr().println("nothing of a control plane in namespace " + kube.namespace + " to delete");
      } else {
        spec.commandLine().getOut().print("---\n" + YamlDocuments.write(deletions));
      }
    }
    spec.commandLine().getOut().flush();
  }

  /** What kubectl delete needs to find an object. */
  private static ObjectNode reference(HasMetadata object) {
    ObjectNode reference = YamlDocuments.object().put("apiVersion", object.getApiVersion()).put("kind", object.getKind());
    ObjectNode meta = reference.putObject("metadata").put("name", object.getMetadata().getName());
    if (object.getMetadata().getNamespace() != null) {
      meta.put("namespace", object.getMetadata().getNamespace());
    }
    return reference;
  }
}
