package io.weft.actors.discovery;

import io.weft.actors.state.CborSerializable;
import io.weft.actors.state.ServiceInputs;
import io.weft.k8s.model.RouteResource;
import io.weft.k8s.model.ServiceProfileResource;
import io.weft.k8s.model.ServiceResource;

/**
 * What a Service's profile and outbound policy answers depend on: the Service and its profile
 * (either may be null) and the routes whose parent it is.
 */
public record ProfileInputs(ServiceResource service, ServiceProfileResource profile, java.util.List<RouteResource> routes)
    implements CborSerializable {
  public ProfileInputs {
    routes = java.util.List.copyOf(routes);
  }

  public ServiceInputs asServiceInputs() {
    return new ServiceInputs(service, java.util.List.of(), java.util.Map.of(), profile, routes);
  }
}
