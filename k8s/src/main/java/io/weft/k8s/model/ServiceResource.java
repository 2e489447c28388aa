package io.weft.k8s.model;

import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * A Service. {@code selector} is empty for selector-less services (their EndpointSlices are
 * managed by someone else).
 */
public record ServiceResource(
    ResourceMeta meta, String type, String clusterIP, Map<String, String> selector, List<ServicePort> ports)
    implements KubeResource {

  public ServiceResource {
    selector = selector == null ? Map.of() : Map.copyOf(selector);
    ports = ports == null ? List.of() : List.copyOf(ports);
  }

  /** {@code targetPortName} is set when the target port is a container port's name. */
  public record ServicePort(String name, int port, int targetPortNumber, String targetPortName, String protocol) {}

  /** Whether this Service's selector picks {@code pod} (a selector-less Service picks none). */
  public boolean selects(PodResource pod) {
    return !selector.isEmpty() && pod.meta().namespace().equals(meta.namespace())
        && pod.meta().labels().entrySet().containsAll(selector.entrySet());
  }

  public Optional<ServicePort> port(int number) {
    return ports.stream().filter(p -> p.port() == number).findFirst();
  }

  @Override public ResourceKind resourceKind() { return ResourceKind.SERVICE; }
  @Override public ServiceResource withResourceVersion(String rv) {
    return new ServiceResource(meta.withResourceVersion(rv), type, clusterIP, selector, ports);
  }
}
