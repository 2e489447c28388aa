package io.weft.actors.state;

import io.weft.k8s.model.ServiceProfileResource;
import io.weft.k8s.model.ServiceResource;

import java.util.List;

/**
 * A Service as its entity needs it from the index: the Service (null when it does not exist), its
 * ServiceProfile (null when none) and the names of its EndpointSlices, sorted; the slices' endpoints
 * come from their own entities.
 */
public record ServiceState(ServiceResource service, ServiceProfileResource profile, List<String> slices) implements CborSerializable {
  public ServiceState {
    slices = List.copyOf(slices);
  }
}
