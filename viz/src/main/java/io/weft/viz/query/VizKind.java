package io.weft.viz.query;

import io.weft.k8s.model.PodResource;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The resource kinds {@code viz stat}, {@code edges}, {@code routes} and {@code tap} take, with
 * Linkerd's names and short names, how a pod belongs to one, and the label naming one as a
 * destination in the proxies' metrics.
 */
public enum VizKind {
  NAMESPACE("namespace", "Namespace", "dst_namespace", "ns", "namespaces"),
  DEPLOYMENT("deployment", "Deployment", "dst_deployment", "deploy", "deployments"),
  STATEFULSET("statefulset", "StatefulSet", "dst_statefulset", "sts", "statefulsets"),
  DAEMONSET("daemonset", "DaemonSet", "dst_daemonset", "ds", "daemonsets"),
  JOB("job", "Job", "dst_job", "jobs"),
  CRONJOB("cronjob", "CronJob", "dst_cronjob", "cj", "cronjobs"),
  POD("pod", "Pod", "dst_pod", "po", "pods"),
  SERVICE("service", "Service", "dst_service", "svc", "services");

  private final String name;
  private final String kubeKind;
  private final String dstLabel;
  private final List<String> aliases;

  VizKind(String name, String kubeKind, String dstLabel, String... aliases) {
    this.name = name;
    this.kubeKind = kubeKind;
    this.dstLabel = dstLabel;
    this.aliases = Arrays.asList(aliases);
  }

  /** Linkerd's name of the kind (as {@code -o json} writes it). */
  public String displayName() {
    return name;
  }

  /** The label a proxy's outbound metrics name a destination of this kind by. */
  public String dstLabel() {
    return dstLabel;
  }

  public static Optional<VizKind> parse(String text) {
    String t = text.toLowerCase(Locale.ROOT);
    return Arrays.stream(values()).filter(k -> k.name.equals(t) || k.aliases.contains(t)).findFirst();
  }

  /** The name of the resource of this kind {@code pod} belongs to, if it belongs to one (a Service's pods are told by selector). */
  public Optional<String> of(PodResource pod) {
    return switch (this) {
      case NAMESPACE -> Optional.of(pod.meta().namespace());
      case POD -> Optional.of(pod.meta().name());
      case SERVICE -> Optional.empty();
      default -> Optional.ofNullable(pod.owner()).filter(o -> o.kind().equals(kubeKind)).map(PodResource.WorkloadRef::name);
    };
  }

  /** Every name Linkerd's CLI takes for a kind, for messages. */
  public static String known() {
    return String.join(", ", Arrays.stream(values()).map(k -> k.name + " (" + String.join(", ", k.aliases) + ")").toList());
  }
}
