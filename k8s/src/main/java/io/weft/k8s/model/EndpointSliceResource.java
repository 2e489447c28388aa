package io.weft.k8s.model;

import java.util.List;

/** An EndpointSlice; {@code serviceName} comes from its {@code kubernetes.io/service-name} label. */
public record EndpointSliceResource(
    ResourceMeta meta, String serviceName, String addressType, List<EndpointPort> ports, List<Endpoint> endpoints)
    implements KubeResource {

  public static final String SERVICE_NAME_LABEL = "kubernetes.io/service-name";

  public EndpointSliceResource {
    ports = ports == null ? List.of() : List.copyOf(ports);
    endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
  }

  public record EndpointPort(String name, int port, String protocol) {}

  /** {@code podName} is the targetRef's name when it refers to a Pod, else empty. */
  public record Endpoint(List<String> addresses, boolean ready, boolean serving, boolean terminating,
                         String podName, String nodeName, String zone) {
    public Endpoint {
      addresses = addresses == null ? List.of() : List.copyOf(addresses);
      podName = podName == null ? "" : podName;
      nodeName = nodeName == null ? "" : nodeName;
      zone = zone == null ? "" : zone;
    }
  }

  @Override public ResourceKind resourceKind() { return ResourceKind.ENDPOINT_SLICE; }
  @Override public EndpointSliceResource withResourceVersion(String rv) {
    return new EndpointSliceResource(meta.withResourceVersion(rv), serviceName, addressType, ports, endpoints);
  }
}
