package io.weft.actors.index;

import io.weft.actors.discovery.ServiceInputs;
import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.EndpointSliceResource;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.ResourceKey;
import io.weft.k8s.model.ResourceKind;
import io.weft.k8s.model.ServiceProfileResource;
import io.weft.k8s.model.ServiceResource;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The latest version of every object, with the lookups discovery needs. Applying an event reports
 * which Services and Pods it affects. Not thread-safe: owned by one actor (or one replay).
 */
public final class ClusterStore {
  /** Names a Service or a Pod by namespace and name; {@code namespace/name} is its entity id. */
  public record Ref(String namespace, String name) {
    public String entityId() {
      return namespace + "/" + name;
    }

    public static Ref ofEntityId(String entityId) {
      String[] parts = entityId.split("/", 2);
      return new Ref(parts[0], parts[1]);
    }
  }

  /** What an applied event touched. */
  public record Affected(Set<Ref> services, Set<Ref> pods) {
    static final Affected NONE = new Affected(Set.of(), Set.of());
  }

  private final String clusterDomain;
  private final Map<ResourceKey, KubeResource> objects = new HashMap<>();
  private final Map<Ref, Map<String, EndpointSliceResource>> slicesByService = new HashMap<>();
  private final Map<Ref, Set<Ref>> servicesByPod = new HashMap<>();
  private final Map<String, Ref> podsByIp = new HashMap<>();
  private final Map<String, Ref> servicesByClusterIp = new HashMap<>();

  public ClusterStore(String clusterDomain) {
    this.clusterDomain = clusterDomain;
  }

  /**
   * Applies an event unless it is stale or a repeat: an upsert whose resourceVersion was already
   * applied changes nothing, so redelivery after a reconnect is harmless.
   */
  public Affected apply(ClusterEvent input) {
    if (!(input instanceof ClusterEvent.Change event)) {
      return Affected.NONE;
    }
    KubeResource before = objects.get(event.key());
    KubeResource after = event instanceof ClusterEvent.Upserted u ? u.resource() : null;
    if (after != null && before != null && before.meta().resourceVersion().equals(after.meta().resourceVersion())
        && !after.meta().resourceVersion().isEmpty()) {
      return Affected.NONE;
    }
    if (after == null && before == null) {
      return Affected.NONE;
    }
    if (after == null) {
      objects.remove(event.key());
    } else {
      objects.put(event.key(), after);
    }
    Set<Ref> services = new HashSet<>();
    Set<Ref> pods = new HashSet<>();
    switch (event.key().kind()) {
      case SERVICE -> {
        Ref ref = new Ref(event.key().namespace(), event.key().name());
        services.add(ref);
        if (before instanceof ServiceResource s && !s.clusterIP().isEmpty()) {
          servicesByClusterIp.remove(s.clusterIP(), ref);
        }
        if (after instanceof ServiceResource s && !s.clusterIP().isEmpty() && !s.clusterIP().equals("None")) {
          servicesByClusterIp.put(s.clusterIP(), ref);
        }
      }
      case ENDPOINT_SLICE -> {
        if (before instanceof EndpointSliceResource s) {
          services.add(unindexSlice(s));
        }
        if (after instanceof EndpointSliceResource s) {
          services.add(indexSlice(s));
        }
      }
      case POD -> {
        Ref ref = new Ref(event.key().namespace(), event.key().name());
        pods.add(ref);
        services.addAll(servicesByPod.getOrDefault(ref, Set.of()));
        if (before instanceof PodResource p && !p.podIP().isEmpty()) {
          podsByIp.remove(p.podIP(), ref);
        }
        if (after instanceof PodResource p && !p.podIP().isEmpty()) {
          podsByIp.put(p.podIP(), ref);
        }
      }
      case SERVICE_PROFILE -> serviceOfProfile(event.key()).ifPresent(services::add);
      default -> { }
    }
    return new Affected(services, pods);
  }

  public ServiceInputs serviceInputs(Ref service) {
    ServiceResource svc = (ServiceResource) objects.get(new ResourceKey(ResourceKind.SERVICE, service.namespace(), service.name()));
    Collection<EndpointSliceResource> slices = slicesByService.getOrDefault(service, Map.of()).values();
    Map<String, PodResource> pods = new LinkedHashMap<>();
    for (EndpointSliceResource slice : slices) {
      for (EndpointSliceResource.Endpoint e : slice.endpoints()) {
        if (!e.podName().isEmpty()) {
          pod(new Ref(service.namespace(), e.podName())).ifPresent(p -> pods.put(e.podName(), p));
        }
      }
    }
    String profileName = service.name() + "." + service.namespace() + ".svc." + clusterDomain;
    ServiceProfileResource profile = (ServiceProfileResource) objects.get(
        new ResourceKey(ResourceKind.SERVICE_PROFILE, service.namespace(), profileName));
    return new ServiceInputs(svc, List.copyOf(slices), pods, profile);
  }

  public Optional<PodResource> pod(Ref pod) {
    return Optional.ofNullable((PodResource) objects.get(new ResourceKey(ResourceKind.POD, pod.namespace(), pod.name())));
  }

  public Optional<Ref> podByIp(String ip) {
    return Optional.ofNullable(podsByIp.get(ip));
  }

  public Optional<Ref> serviceByClusterIp(String ip) {
    return Optional.ofNullable(servicesByClusterIp.get(ip));
  }

  public Collection<KubeResource> objects() {
    return objects.values();
  }

  public Optional<KubeResource> object(ResourceKey key) {
    return Optional.ofNullable(objects.get(key));
  }

  private Ref indexSlice(EndpointSliceResource slice) {
    Ref service = new Ref(slice.meta().namespace(), slice.serviceName());
    slicesByService.computeIfAbsent(service, s -> new LinkedHashMap<>()).put(slice.meta().name(), slice);
    for (EndpointSliceResource.Endpoint e : slice.endpoints()) {
      if (!e.podName().isEmpty()) {
        servicesByPod.computeIfAbsent(new Ref(slice.meta().namespace(), e.podName()), p -> new HashSet<>()).add(service);
      }
    }
    return service;
  }

  private Ref unindexSlice(EndpointSliceResource slice) {
    Ref service = new Ref(slice.meta().namespace(), slice.serviceName());
    Map<String, EndpointSliceResource> slices = slicesByService.get(service);
    if (slices != null) {
      slices.remove(slice.meta().name());
      if (slices.isEmpty()) {
        slicesByService.remove(service);
      }
    }
    for (EndpointSliceResource.Endpoint e : slice.endpoints()) {
      Ref pod = new Ref(slice.meta().namespace(), e.podName());
      Set<Ref> services = servicesByPod.get(pod);
      if (services != null && !stillReferenced(pod, service)) {
        services.remove(service);
        if (services.isEmpty()) {
          servicesByPod.remove(pod);
        }
      }
    }
    return service;
  }

  private boolean stillReferenced(Ref pod, Ref service) {
    return slicesByService.getOrDefault(service, Map.of()).values().stream()
        .anyMatch(s -> s.endpoints().stream().anyMatch(e -> e.podName().equals(pod.name())));
  }

  /** A ServiceProfile named {@code <svc>.<ns>.svc.<cluster-domain>} belongs to that Service. */
  private Optional<Ref> serviceOfProfile(ResourceKey profile) {
    String suffix = "." + profile.namespace() + ".svc." + clusterDomain;
    if (!profile.name().endsWith(suffix)) {
      return Optional.empty();
    }
    return Optional.of(new Ref(profile.namespace(), profile.name().substring(0, profile.name().length() - suffix.length())));
  }
}
