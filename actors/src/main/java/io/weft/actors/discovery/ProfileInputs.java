package io.weft.actors.discovery;

import io.weft.actors.state.CborSerializable;
import io.weft.actors.state.ServiceInputs;
import io.weft.k8s.model.ServiceProfileResource;
import io.weft.k8s.model.ServiceResource;

/** What a Service's profile answers depend on; either may be null. */
public record ProfileInputs(ServiceResource service, ServiceProfileResource profile) implements CborSerializable {
  public ServiceInputs asServiceInputs() {
    return new ServiceInputs(service, java.util.List.of(), java.util.Map.of(), profile);
  }
}
