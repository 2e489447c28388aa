package io.weft.k8s.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** What a backend tells the control plane, as every backend emits it and the event log records it. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "@event")
@JsonSubTypes({
    @JsonSubTypes.Type(value = ClusterEvent.Upserted.class, name = "upsert"),
    @JsonSubTypes.Type(value = ClusterEvent.Deleted.class, name = "delete"),
    @JsonSubTypes.Type(value = ClusterEvent.Synced.class, name = "synced"),
    @JsonSubTypes.Type(value = ClusterEvent.WatchRestarted.class, name = "watch-restarted")})
public sealed interface ClusterEvent {
  /** A change to one object. */
  sealed interface Change extends ClusterEvent {
    ResourceKey key();
  }

  record Upserted(KubeResource resource) implements Change {
    @Override public ResourceKey key() { return resource.key(); }
  }

  record Deleted(ResourceKey key) implements Change {}

  /** Everything the backend held when it started has been delivered; {@code source} names the backend. */
  record Synced(String source) implements ClusterEvent {}

  /**
   * The watch of {@code resources} (a kind's plural) closed or expired ({@code reason}): the backend
   * lists that kind again, and what the watch missed follows as changes. Changes nothing by itself.
   */
  record WatchRestarted(String resources, String reason) implements ClusterEvent {}
}
