package io.weft.actors.state;

import io.weft.k8s.model.RouteResource;
import io.weft.k8s.model.ServiceProfileResource;
import io.weft.k8s.model.ServiceResource;

import java.util.List;

/**
 * A Service as its entity needs it from the index: the Service (null when it does not exist), its
 * ServiceProfile (null when none), the names of its EndpointSlices, sorted, and the HTTPRoutes and
 * GRPCRoutes whose parent it is, in Linkerd's order; the slices' endpoints come from their own entities.
 */
public record ServiceState(ServiceResource service, ServiceProfileResource profile, List<String> slices,
                           List<RouteResource> routes) implements CborSerializable {
  public ServiceState {
    slices = List.copyOf(slices);
    routes = List.copyOf(routes);
  }
}
