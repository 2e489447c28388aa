package io.weft.actors.state;

import io.weft.k8s.model.PodResource;

/** A pod's current state; {@code pod} is null when it does not exist. */
public record PodState(ObjectRef ref, PodResource pod) {}
