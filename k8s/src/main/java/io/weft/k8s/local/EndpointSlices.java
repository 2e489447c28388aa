package io.weft.k8s.local;

import io.weft.k8s.model.EndpointSliceResource;
import io.weft.k8s.model.EndpointSliceResource.Endpoint;
import io.weft.k8s.model.EndpointSliceResource.EndpointPort;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.ResourceMeta;
import io.weft.k8s.model.ServiceResource;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What Kubernetes' EndpointSlice controller writes for a Service: one endpoint per selected pod
 * with an IP, ports resolved against each pod (a named target port may differ per pod), and one
 * slice per distinct set of resolved ports.
 */
final class EndpointSlices {
  static final String MANAGED_BY = "endpointslice.kubernetes.io/managed-by";

  private EndpointSlices() {}

  static List<EndpointSliceResource> derive(ServiceResource service, List<PodResource> pods) {
    if (service.selector().isEmpty()) {
      return List.of(); // selector-less services get their slices from elsewhere
    }
    Map<List<EndpointPort>, List<Endpoint>> byPorts = new LinkedHashMap<>();
    for (PodResource pod : pods) {
      if (pod.podIP().isEmpty() || pod.terminating() || !service.selects(pod)) {
        continue;
      }
      List<EndpointPort> ports = new ArrayList<>();
      for (ServiceResource.ServicePort sp : service.ports()) {
        int target = resolve(sp, pod);
        if (target > 0) {
          ports.add(new EndpointPort(sp.name(), target, sp.protocol()));
        }
      }
      byPorts.computeIfAbsent(ports, p -> new ArrayList<>())
          .add(new Endpoint(List.of(pod.podIP()), pod.ready(), pod.ready(), false, pod.meta().name(), pod.nodeName(), ""));
    }
    List<EndpointSliceResource> slices = new ArrayList<>();
    for (Map.Entry<List<EndpointPort>, List<Endpoint>> group : byPorts.entrySet()) {
      String name = service.meta().name() + "-" + LocalClusterModel.shortHash(group.getKey().toString(), 5);
      ResourceMeta meta = new ResourceMeta(service.meta().namespace(), name, "", "",
          Map.of(EndpointSliceResource.SERVICE_NAME_LABEL, service.meta().name(), MANAGED_BY, "weft-local-cluster"),
          Map.of());
      slices.add(new EndpointSliceResource(meta, service.meta().name(), "IPv4", group.getKey(), group.getValue()));
    }
    return slices;
  }

  private static int resolve(ServiceResource.ServicePort port, PodResource pod) {
    if (port.targetPortName().isEmpty()) {
      return port.targetPortNumber();
    }
    return pod.ports().stream().filter(cp -> cp.name().equals(port.targetPortName()))
        .mapToInt(PodResource.ContainerPort::containerPort).findFirst().orElse(0);
  }
}
