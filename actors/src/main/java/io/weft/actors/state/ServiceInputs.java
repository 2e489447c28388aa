package io.weft.actors.state;

import io.weft.k8s.model.EndpointSliceResource;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.RouteResource;
import io.weft.k8s.model.ServiceProfileResource;
import io.weft.k8s.model.ServiceResource;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * Everything a Service's answers depend on: the Service (null when it does not exist), its
 * EndpointSlices, the pods they point at (by name), its ServiceProfile (null when none) and the
 * routes whose parent it is.
 */
public record ServiceInputs(ServiceResource service, List<EndpointSliceResource> slices,
                            Map<String, PodResource> pods, ServiceProfileResource profile, List<RouteResource> routes)
    implements CborSerializable {
  public ServiceInputs {
    slices = List.copyOf(slices);
    routes = List.copyOf(routes);
    pods = Map.copyOf(pods);
  }

  /**
   * The inputs of a Service from its state and its slices' states, in the order of the Service's
   * slice names, as the store hands them to replay (the live Service entity keeps the same states
   * and computes each slice's part with the same view).
   */
  public static ServiceInputs of(ServiceState service, Collection<SliceState> slices) {
    Map<String, PodResource> pods = new HashMap<>();
    List<EndpointSliceResource> present = slices.stream().map(SliceState::slice).filter(Objects::nonNull).toList();
    slices.forEach(s -> pods.putAll(s.pods()));
    return new ServiceInputs(service.service(), present, pods, service.profile(), service.routes());
  }
}
