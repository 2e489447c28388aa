package io.weft.operator.inject;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.k8s.decode.YamlDocuments;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code weft inject} and {@code uninject} over manifests: multi-document YAML (or JSON), Lists,
 * and every kind with a pod template (Pod, Deployment, StatefulSet, DaemonSet, ReplicaSet,
 * ReplicationController, Job, CronJob); a Namespace gets the inject annotation. Whatever else is in
 * the input passes through, with a report line saying why it was not changed.
 */
public final class ManifestInjector {
  private static final Set<String> TEMPLATED = Set.of("Deployment", "StatefulSet", "DaemonSet", "ReplicaSet",
      "ReplicationController", "Job");

  /** What happened to one resource, as a line of the report. */
  public record Report(String kind, String name, Outcome outcome) {
    public String line() {
      String what = kind.toLowerCase(java.util.Locale.ROOT) + " \"" + name + "\"";
      return switch (outcome) {
        case Outcome.Injected i -> what + " injected";
        case Outcome.Annotated a -> what + " injected";
        case Outcome.Uninjected u -> what + " uninjected";
        case Outcome.Skipped s -> what + " skipped: " + s.explanation() + " (" + s.reason() + ")";
      };
    }
  }

  /** The changed manifests, and one report per resource. */
  public record Result(String yaml, List<Report> reports) {}

  private final ProxyInjector injector;

  public ManifestInjector(ProxyInjector injector) {
    this.injector = injector;
  }

  public Result inject(String manifests, ProxyInjector.Mode mode, boolean ingress) {
    return each(manifests, (resource, reports) -> visit(resource, reports, (kind, owner, ns, meta, spec) ->
        injector.inject(meta, spec, kind, owner, ns, Map.of(), mode, ingress), true, ingress));
  }

  public Result uninject(String manifests) {
    return each(manifests, (resource, reports) -> visit(resource, reports, (kind, owner, ns, meta, spec) ->
        injector.uninject(meta, spec), false, false));
  }

  private interface Change {
    Outcome apply(String kind, String owner, String namespace, ObjectNode metadata, ObjectNode spec);
  }

  private interface Visitor {
    void visit(ObjectNode resource, List<Report> reports);
  }

  private Result each(String manifests, Visitor visitor) {
    List<Report> reports = new ArrayList<>();
    List<ObjectNode> resources = YamlDocuments.read(manifests);
    resources.forEach(resource -> visitor.visit(resource, reports));
    return new Result(YamlDocuments.write(resources), reports);
  }


  private void visit(ObjectNode resource, List<Report> reports, Change change, boolean injecting, boolean ingress) {
    String kind = resource.path("kind").asText("");
    String name = resource.path("metadata").path("name").asText("");
    String namespace = resource.path("metadata").path("namespace").asText("default");
    if (kind.endsWith("List") && resource.get("items") != null) {
      resource.get("items").forEach(item -> {
        if (item instanceof ObjectNode o) {
          visit(o, reports, change, injecting, ingress);
        }
      });
      return;
    }
    ObjectNode template = switch (kind) {
      case "Pod" -> resource;
      case "CronJob" -> (ObjectNode) resource.path("spec").path("jobTemplate").path("spec").path("template");
      default -> TEMPLATED.contains(kind) ? (ObjectNode) resource.path("spec").path("template") : null;
    };
    if (kind.equals("Namespace")) {
      ObjectNode annotations = annotations(resource);
      if (injecting) {
        annotations.put(ProxyInjector.INJECT, ingress ? "ingress" : "enabled");
        reports.add(new Report(kind, name, new Outcome.Annotated()));
      } else {
        reports.add(new Report(kind, name, annotations.remove(ProxyInjector.INJECT) != null ? new Outcome.Uninjected()
            : new Outcome.Skipped("not_injected", "no inject annotation")));
      }
      return;
    }
    if (template == null || template.isMissingNode() || !(template.get("spec") instanceof ObjectNode spec)) {
      reports.add(new Report(kind.isEmpty() ? "resource" : kind, name, new Outcome.Skipped("unsupported_resource",
          "a " + (kind.isEmpty() ? "resource without a kind" : kind) + " has no pod template")));
      return;
    }
    ObjectNode metadata = template.get("metadata") instanceof ObjectNode m ? m : template.putObject("metadata");
    reports.add(new Report(kind, name, change.apply(kind, name, namespace, metadata, spec)));
  }

  private static ObjectNode annotations(ObjectNode resource) {
    ObjectNode metadata = resource.get("metadata") instanceof ObjectNode m ? m : resource.putObject("metadata");
    return metadata.get("annotations") instanceof ObjectNode a ? a : metadata.putObject("annotations");
  }
}
