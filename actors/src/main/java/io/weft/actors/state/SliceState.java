package io.weft.actors.state;

import io.weft.k8s.model.EndpointSliceResource;
import io.weft.k8s.model.PodResource;

import java.util.Map;

/**
 * An EndpointSlice's endpoints as its entity holds them: which slice, the slice (null when it does
 * not exist) and the pods its endpoints point at, by name (their identity, labels and protocol hints).
 */
public record SliceState(ObjectRef ref, EndpointSliceResource slice, Map<String, PodResource> pods) implements CborSerializable {
  public SliceState {
    pods = Map.copyOf(pods);
  }
}
