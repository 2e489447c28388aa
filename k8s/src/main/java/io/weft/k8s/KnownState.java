package io.weft.k8s;

import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.ResourceKey;
import io.weft.k8s.model.ResourceKind;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What a backend has told its subscribers so far. A full list (a relist, a re-read directory)
 * becomes just the events that differ from it, so a resync neither loses nor repeats anything.
 * Confined to the one thread that feeds a backend's stream.
 */
public final class KnownState {
  private final Map<ResourceKey, KubeResource> known = new HashMap<>();

  /** Events that turn the known objects of {@code kind} into exactly {@code current}. */
  public List<ClusterEvent> replaceKind(ResourceKind kind, Collection<? extends KubeResource> current) {
    List<ClusterEvent> events = new ArrayList<>();
    Set<ResourceKey> present = new HashSet<>();
    for (KubeResource r : current) {
      present.add(r.key());
      upsert(r).ifPresent(events::add);
    }
    List<ResourceKey> gone = known.keySet().stream().filter(k -> k.kind() == kind && !present.contains(k)).toList();
    gone.forEach(k -> delete(k).ifPresent(events::add));
    return events;
  }

  /** Events that turn everything known into exactly {@code current}. */
  public List<ClusterEvent> replaceAll(Collection<? extends KubeResource> current) {
    List<ClusterEvent> events = new ArrayList<>();
    for (ResourceKind kind : ResourceKind.values()) {
      events.addAll(replaceKind(kind, current.stream().filter(r -> r.resourceKind() == kind).toList()));
    }
    return events;
  }

  public Optional<ClusterEvent> upsert(KubeResource r) {
    KubeResource before = known.put(r.key(), r);
    return r.equals(before) ? Optional.empty() : Optional.of(new ClusterEvent.Upserted(r));
  }

  public Optional<ClusterEvent> delete(ResourceKey key) {
    return known.remove(key) == null ? Optional.empty() : Optional.of(new ClusterEvent.Deleted(key));
  }

  public Optional<KubeResource> get(ResourceKey key) {
    return Optional.ofNullable(known.get(key));
  }
}
