package io.weft.viz.inventory;

import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.ResourceKey;
import io.weft.k8s.model.ResourceKind;
import io.weft.k8s.model.ServiceProfileResource;
import io.weft.k8s.model.ServiceResource;

import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What viz knows of the cluster at one moment: its pods (with their workloads and addresses), its
 * Services and its ServiceProfiles. Immutable; {@link Inventory} publishes a new one per batch of
 * changes.
 */
public record MeshInventory(Map<ResourceKey, PodResource> pods, Map<ResourceKey, ServiceResource> services,
                            Map<ResourceKey, ServiceProfileResource> profiles, Map<String, PodResource> podsByIp) {
  public static final MeshInventory EMPTY = new MeshInventory(Map.of(), Map.of(), Map.of(), Map.of());

  /** This inventory with {@code events} applied (kinds viz does not read are ignored). */
  public MeshInventory apply(List<ClusterEvent> events) {
    Map<ResourceKey, PodResource> pods = new HashMap<>(this.pods);
    Map<ResourceKey, ServiceResource> services = new HashMap<>(this.services);
    Map<ResourceKey, ServiceProfileResource> profiles = new HashMap<>(this.profiles);
    for (ClusterEvent event : events) {
      switch (event) {
        case ClusterEvent.Upserted u -> put(u.resource(), pods, services, profiles);
        case ClusterEvent.Deleted d -> {
          pods.remove(d.key());
          services.remove(d.key());
          profiles.remove(d.key());
        }
        default -> { }
      }
    }
    Map<String, PodResource> byIp = new HashMap<>();
    for (PodResource pod : pods.values()) {
      if (!pod.podIP().isEmpty() && !pod.terminating()) {
        byIp.put(pod.podIP(), pod);
      }
    }
    return new MeshInventory(Map.copyOf(pods), Map.copyOf(services), Map.copyOf(profiles), Map.copyOf(byIp));
  }

  private static void put(KubeResource resource, Map<ResourceKey, PodResource> pods, Map<ResourceKey, ServiceResource> services,
                          Map<ResourceKey, ServiceProfileResource> profiles) {
    switch (resource) {
      case PodResource p -> pods.put(p.key(), p);
      case ServiceResource s -> services.put(s.key(), s);
      case ServiceProfileResource p -> profiles.put(p.key(), p);
      default -> { }
    }
  }

  /** Meshed pods with an address: those whose proxies viz scrapes and taps. */
  public List<PodResource> meshedPods() {
    return pods.values().stream().filter(p -> p.meshed() && !p.podIP().isEmpty() && !p.terminating()).toList();
  }

  public Collection<PodResource> allPods() {
    return pods.values();
  }

  public Optional<PodResource> pod(String namespace, String name) {
    return Optional.ofNullable(pods.get(new ResourceKey(ResourceKind.POD, namespace, name)));
  }

  public Optional<PodResource> podAt(String ip) {
    return Optional.ofNullable(podsByIp.get(ip));
  }

  public Optional<ServiceResource> service(String namespace, String name) {
    return Optional.ofNullable(services.get(new ResourceKey(ResourceKind.SERVICE, namespace, name)));
  }

  /** The ServiceProfile named for a Service's FQDN ({@code name.ns.svc.<domain>}), if any. */
  public Optional<ServiceProfileResource> profile(String namespace, String fqdn) {
    return Optional.ofNullable(profiles.get(new ResourceKey(ResourceKind.SERVICE_PROFILE, namespace, fqdn)));
  }
}
