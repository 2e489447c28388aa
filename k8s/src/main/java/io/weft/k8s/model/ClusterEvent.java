package io.weft.k8s.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** A normalized change to the cluster, as every backend emits it and the event log records it. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "@event")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ClusterEvent.Upserted.class, name = "upsert"),
    @JsonSubTypes.Type(value = ClusterEvent.Deleted.class, name = "delete")})
public sealed interface ClusterEvent {
  ResourceKey key();

  record Upserted(KubeResource resource) implements ClusterEvent {
    @Override public ResourceKey key() { return resource.key(); }
  }

  record Deleted(ResourceKey key) implements ClusterEvent {}
}
