package io.weft.actors.state;

import io.weft.k8s.model.PodResource;

import java.util.List;
import java.util.Map;

/**
 * What a pod's inbound policy starts from, as the pod's policy entity holds it: the pod (null when
 * it does not exist), its namespace's annotations (a default policy may be set there), and the
 * Servers whose selector picks the pod (any port: which one guards which port is the view's to
 * say), by name.
 */
public record PodServers(ObjectRef ref, PodResource pod, Map<String, String> namespaceAnnotations, List<ObjectRef> servers)
    implements CborSerializable {
  public PodServers {
    namespaceAnnotations = Map.copyOf(namespaceAnnotations);
    servers = List.copyOf(servers);
  }
}
