package io.weft.actors.discovery;

import io.weft.actors.CborSerializable;
import io.weft.k8s.model.EndpointSliceResource;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.ServiceProfileResource;
import io.weft.k8s.model.ServiceResource;

import java.util.List;
import java.util.Map;

/**
 * Everything a Service's answers depend on: the Service (null when it does not exist), its
 * EndpointSlices, the pods they point at (by name) and its ServiceProfile (null when none).
 */
public record ServiceInputs(ServiceResource service, List<EndpointSliceResource> slices,
                            Map<String, PodResource> pods, ServiceProfileResource profile) implements CborSerializable {
  public ServiceInputs {
    slices = List.copyOf(slices);
    pods = Map.copyOf(pods);
  }
}
