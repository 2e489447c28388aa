package io.weft.k8s.model;

import java.util.List;

/**
 * A Pod. {@code owner} is its top-level workload (a Deployment rather than its ReplicaSet), as
 * Linkerd's metric labels name it; null for a bare pod.
 */
public record PodResource(
    ResourceMeta meta, String podIP, String nodeName, String serviceAccount, String phase,
    boolean ready, boolean terminating, List<ContainerPort> ports, WorkloadRef owner, List<HttpProbe> probes) implements KubeResource {

  public PodResource {
    podIP = podIP == null ? "" : podIP;
    nodeName = nodeName == null ? "" : nodeName;
    serviceAccount = serviceAccount == null || serviceAccount.isEmpty() ? "default" : serviceAccount;
    phase = phase == null ? "" : phase;
    ports = ports == null ? List.of() : List.copyOf(ports);
    probes = probes == null ? List.of() : List.copyOf(probes);
  }

  public record ContainerPort(String name, int containerPort, String protocol) {}

  public record WorkloadRef(String kind, String name) {}

  /** A container's HTTP liveness, readiness or startup probe: the kubelet GETs {@code path} on {@code port}. */
  public record HttpProbe(int port, String path) {}

  /** The paths the kubelet probes on {@code port}. */
  public List<String> probePaths(int port) {
    return probes.stream().filter(p -> p.port() == port).map(HttpProbe::path).distinct().toList();
  }

  /** The label naming the control plane: the injector adds it (a pod with it is meshed), and weft install puts it on all it makes. */
  public static final String CONTROL_PLANE_NS_LABEL = "linkerd.io/control-plane-ns";

  public boolean meshed() {
    return meta.labels().containsKey(CONTROL_PLANE_NS_LABEL);
  }

  @Override public ResourceKind resourceKind() { return ResourceKind.POD; }
  @Override public PodResource withResourceVersion(String rv) {
    return new PodResource(meta.withResourceVersion(rv), podIP, nodeName, serviceAccount, phase, ready, terminating, ports, owner, probes);
  }
}
