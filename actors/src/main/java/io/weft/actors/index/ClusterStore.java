package io.weft.actors.index;

import io.weft.actors.state.PodServers;
import io.weft.actors.state.ServerState;
import io.weft.actors.state.IpResolution;
import io.weft.actors.state.ObjectRef;
import io.weft.actors.state.ServiceInputs;
import io.weft.actors.state.ServiceState;
import io.weft.actors.state.SliceState;
import io.weft.k8s.model.AuthorizationPolicyResource;
import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.MeshTlsAuthenticationResource;
import io.weft.k8s.model.NetworkAuthenticationResource;
import io.weft.k8s.model.ServerAuthorizationResource;
import io.weft.k8s.model.ServerResource;
import io.weft.k8s.model.EndpointSliceResource;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.RateLimitPolicyResource;
import io.weft.k8s.model.ResourceKey;
import io.weft.k8s.model.ResourceKind;
import io.weft.k8s.model.RouteResource;
import io.weft.k8s.model.ServiceProfileResource;
import io.weft.k8s.model.ServiceResource;
import io.weft.protocol.net.Authority;

import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;

/**
 * The latest version of every object, with the lookups discovery needs. Applying an event reports
 * which Services, EndpointSlices and Pods it affects. Not thread-safe: owned by one actor (or one
 * replay).
 */
public final class ClusterStore {
  /**
   * What an applied event touched: Services whose own state (object, profile, set of slices)
   * changed, slices whose endpoints or endpoints' pods changed, and pods.
   */
  public record Affected(Set<ObjectRef> services, Set<ObjectRef> slices, Set<ObjectRef> pods, Set<String> policyNamespaces,
                         boolean allPolicies) {
    static final Affected NONE = new Affected(Set.of(), Set.of(), Set.of(), Set.of(), false);

    /** Whether the state of {@code server} (what targets it, or the authentications those need) may have changed. */
    public boolean serverOf(ObjectRef server) {
      return allPolicies || policyNamespaces.contains(server.namespace());
    }

    /** Whether the inbound policy inputs of {@code pod} may have changed. */
    public boolean policyOf(ObjectRef pod) {
      return allPolicies || pods.contains(pod) || policyNamespaces.contains(pod.namespace());
    }
  }

  private final String clusterDomain;
  private final Map<ResourceKey, KubeResource> objects = new HashMap<>();
  private final Map<ObjectRef, Set<String>> slicesByService = new HashMap<>();
  private final Map<ObjectRef, Set<ObjectRef>> slicesByPod = new HashMap<>();
  private final Map<String, ObjectRef> podsByIp = new HashMap<>();
  private final Map<String, ObjectRef> servicesByClusterIp = new HashMap<>();
  private final Map<ObjectRef, Set<ResourceKey>> routesByService = new HashMap<>();

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
    ObjectRef ref = new ObjectRef(event.key().namespace(), event.key().name());
    Set<ObjectRef> services = new HashSet<>();
    Set<ObjectRef> slices = new HashSet<>();
    Set<ObjectRef> pods = new HashSet<>();
    Set<String> policyNamespaces = new HashSet<>();
    boolean allPolicies = false;
    switch (event.key().kind()) {
      case SERVICE -> {
        services.add(ref);
        if (before instanceof ServiceResource s && !s.clusterIP().isEmpty()) {
          servicesByClusterIp.remove(s.clusterIP(), ref);
        }
        if (after instanceof ServiceResource s && !s.clusterIP().isEmpty() && !s.clusterIP().equals("None")) {
          servicesByClusterIp.put(s.clusterIP(), ref);
        }
      }
      case ENDPOINT_SLICE -> {
        slices.add(ref);
        EndpointSliceResource old = before instanceof EndpointSliceResource s ? s : null;
        EndpointSliceResource now = after instanceof EndpointSliceResource s ? s : null;
        if (old != null) {
          unindexSlice(ref, old);
        }
        if (now != null) {
          indexSlice(ref, now);
        }
        // The Service's own state changes only when the slice joins or leaves it.
        if (old == null || now == null || !old.serviceName().equals(now.serviceName())) {
          if (old != null) {
            services.add(new ObjectRef(ref.namespace(), old.serviceName()));
          }
          if (now != null) {
            services.add(new ObjectRef(ref.namespace(), now.serviceName()));
          }
        }
      }
      case POD -> {
        pods.add(ref);
        slices.addAll(slicesByPod.getOrDefault(ref, Set.of()));
        if (before instanceof PodResource p && !p.podIP().isEmpty()) {
          podsByIp.remove(p.podIP(), ref);
        }
        if (after instanceof PodResource p && !p.podIP().isEmpty()) {
          podsByIp.put(p.podIP(), ref);
        }
      }
      case SERVICE_PROFILE -> serviceOfProfile(event.key()).ifPresent(services::add);
      case NAMESPACE -> policyNamespaces.add(ref.name());
      case SERVER, AUTHORIZATION_POLICY, SERVER_AUTHORIZATION, HTTP_LOCAL_RATE_LIMIT_POLICY -> policyNamespaces.add(ref.namespace());
      // A policy may require an authentication of another namespace.
      case MESH_TLS_AUTHENTICATION, NETWORK_AUTHENTICATION -> allPolicies = true;
      case HTTP_ROUTE, GATEWAY_HTTP_ROUTE, GRPC_ROUTE -> {
        if (before instanceof RouteResource r) {
          unindexRoute(event.key(), r, services);
        }
        if (after instanceof RouteResource r) {
          indexRoute(event.key(), r, services);
        }
        // A route whose parent is (or was) a Server shapes its namespace's inbound policies.
        if (serverRoute(before) || serverRoute(after)) {
          policyNamespaces.add(ref.namespace());
        }
      }
      default -> { }
    }
    return new Affected(services, slices, pods, policyNamespaces, allPolicies);
  }

  /** A Service's own state: the object, its profile and the names of its slices. */
  public ServiceState serviceState(ObjectRef service) {
    ServiceResource svc = (ServiceResource) objects.get(new ResourceKey(ResourceKind.SERVICE, service.namespace(), service.name()));
    String profileName = Authority.serviceName(service.name(), service.namespace(), clusterDomain);
    ServiceProfileResource profile = (ServiceProfileResource) objects.get(
        new ResourceKey(ResourceKind.SERVICE_PROFILE, service.namespace(), profileName));
    List<RouteResource> routes = routesByService.getOrDefault(service, Set.of()).stream()
        .map(key -> (RouteResource) objects.get(key)).sorted(RouteResource.LINKERD_ORDER).toList();
    return new ServiceState(svc, profile, List.copyOf(new TreeSet<>(slicesByService.getOrDefault(service, Set.of()))), routes);
  }

  /** A slice and the pods its endpoints point at. */
  public SliceState sliceState(ObjectRef slice) {
    EndpointSliceResource resource = (EndpointSliceResource) objects.get(
        new ResourceKey(ResourceKind.ENDPOINT_SLICE, slice.namespace(), slice.name()));
    Map<String, PodResource> pods = new HashMap<>();
    if (resource != null) {
      for (EndpointSliceResource.Endpoint e : resource.endpoints()) {
        if (!e.podName().isEmpty()) {
          pod(new ObjectRef(slice.namespace(), e.podName())).ifPresent(p -> pods.put(e.podName(), p));
        }
      }
    }
    return new SliceState(slice, resource, pods);
  }

  /** Everything a Service's answers depend on, as its entity assembles it from its slices' entities. */
  public ServiceInputs serviceInputs(ObjectRef service) {
    ServiceState state = serviceState(service);
    return ServiceInputs.of(state, state.slices().stream().map(name -> sliceState(new ObjectRef(service.namespace(), name))).toList());
  }

  /** The pod, its namespace's annotations, and the Servers of its namespace whose selector picks it. */
  public PodServers podServers(ObjectRef pod) {
    Map<String, String> namespace = Optional.ofNullable(objects.get(new ResourceKey(ResourceKind.NAMESPACE, "", pod.namespace())))
        .map(n -> n.meta().annotations()).orElse(Map.of());
    PodResource resource = pod(pod).orElse(null);
    List<ObjectRef> servers = resource == null ? List.of() : objects.values().stream()
        .filter(o -> o instanceof ServerResource s && s.meta().namespace().equals(pod.namespace())
            && s.podSelector().matches(resource.meta().labels()))
        .map(o -> new ObjectRef(o.meta().namespace(), o.meta().name())).sorted(java.util.Comparator.comparing(ObjectRef::name)).toList();
    return new PodServers(pod, resource, namespace, servers);
  }

  /**
   * A Server and what targets it: the AuthorizationPolicies aimed at it, its namespace or one of its
   * routes, the ServerAuthorizations naming or selecting it, its routes, its rate limits, and the
   * authentications those policies require.
   */
  public ServerState serverState(ObjectRef ref) {
    ServerResource server = (ServerResource) objects.get(new ResourceKey(ResourceKind.SERVER, ref.namespace(), ref.name()));
    List<RouteResource> routes = new java.util.ArrayList<>();
    List<RateLimitPolicyResource> rateLimits = new java.util.ArrayList<>();
    List<ServerAuthorizationResource> serverAuthorizations = new java.util.ArrayList<>();
    List<AuthorizationPolicyResource> namespacePolicies = new java.util.ArrayList<>();
    for (KubeResource object : objects.values()) {
      if (!object.meta().namespace().equals(ref.namespace())) {
        continue;
      }
      switch (object) {
        case RouteResource r when r.attachesToServer(ref.namespace(), ref.name()) -> routes.add(r);
        case RateLimitPolicyResource l when l.target().name().equals(ref.name()) -> rateLimits.add(l);
        case ServerAuthorizationResource a when server != null && a.targets(server) -> serverAuthorizations.add(a);
        case AuthorizationPolicyResource p -> namespacePolicies.add(p);
        default -> { }
      }
    }
    List<AuthorizationPolicyResource> policies = namespacePolicies.stream()
        .filter(p -> p.targetsServer(ref.namespace(), ref.name()) || routes.stream().anyMatch(p::targetsRoute)).toList();
    Set<ResourceKey> required = new HashSet<>();
    policies.forEach(p -> p.requiredAuthentications().forEach(a -> {
      switch (a.kind()) {
        case "MeshTLSAuthentication" -> required.add(new ResourceKey(ResourceKind.MESH_TLS_AUTHENTICATION, a.namespace(), a.name()));
        case "NetworkAuthentication" -> required.add(new ResourceKey(ResourceKind.NETWORK_AUTHENTICATION, a.namespace(), a.name()));
        default -> { }
      }
    }));
    List<KubeResource> authentications = required.stream().map(objects::get).filter(java.util.Objects::nonNull).toList();
    java.util.Comparator<KubeResource> byName = java.util.Comparator.comparing((KubeResource r) -> r.meta().namespace())
        .thenComparing(r -> r.meta().name());
    routes.sort(RouteResource.LINKERD_ORDER);
    return new ServerState(ref, server, policies.stream().sorted(byName).toList(),
        serverAuthorizations.stream().sorted(byName).toList(), routes, rateLimits.stream().sorted(byName).toList(),
        authentications.stream().filter(MeshTlsAuthenticationResource.class::isInstance).map(MeshTlsAuthenticationResource.class::cast)
            .sorted(byName).toList(),
        authentications.stream().filter(NetworkAuthenticationResource.class::isInstance).map(NetworkAuthenticationResource.class::cast)
            .sorted(byName).toList());
  }

  public Optional<PodResource> pod(ObjectRef pod) {
    return Optional.ofNullable((PodResource) objects.get(new ResourceKey(ResourceKind.POD, pod.namespace(), pod.name())));
  }

  /** What {@code ip} belongs to. */
  public IpResolution resolve(String ip) {
    return new IpResolution(Optional.ofNullable(servicesByClusterIp.get(ip)), Optional.ofNullable(podsByIp.get(ip)));
  }

  public Collection<KubeResource> objects() {
    return objects.values();
  }

  public Optional<KubeResource> object(ResourceKey key) {
    return Optional.ofNullable(objects.get(key));
  }

  private void indexSlice(ObjectRef ref, EndpointSliceResource slice) {
    slicesByService.computeIfAbsent(new ObjectRef(ref.namespace(), slice.serviceName()), s -> new HashSet<>()).add(ref.name());
    for (EndpointSliceResource.Endpoint e : slice.endpoints()) {
      if (!e.podName().isEmpty()) {
        slicesByPod.computeIfAbsent(new ObjectRef(ref.namespace(), e.podName()), p -> new HashSet<>()).add(ref);
      }
    }
  }

  private void unindexSlice(ObjectRef ref, EndpointSliceResource slice) {
    ObjectRef service = new ObjectRef(ref.namespace(), slice.serviceName());
    Set<String> names = slicesByService.get(service);
    if (names != null) {
      names.remove(ref.name());
      if (names.isEmpty()) {
        slicesByService.remove(service);
      }
    }
    for (EndpointSliceResource.Endpoint e : slice.endpoints()) {
      ObjectRef pod = new ObjectRef(ref.namespace(), e.podName());
      Set<ObjectRef> of = slicesByPod.get(pod);
      if (of != null) {
        of.remove(ref);
        if (of.isEmpty()) {
          slicesByPod.remove(pod);
        }
      }
    }
  }

  private static boolean serverRoute(KubeResource object) {
    return object instanceof RouteResource r && r.parents().stream().anyMatch(RouteResource.ParentRef::isServer);
  }

  /** A route counts for each Service among its parents. */
  private void indexRoute(ResourceKey key, RouteResource route, Set<ObjectRef> services) {
    for (ObjectRef service : parentServices(route)) {
      routesByService.computeIfAbsent(service, s -> new HashSet<>()).add(key);
      services.add(service);
    }
  }

  private void unindexRoute(ResourceKey key, RouteResource route, Set<ObjectRef> services) {
    for (ObjectRef service : parentServices(route)) {
      Set<ResourceKey> keys = routesByService.get(service);
      if (keys != null && keys.remove(key) && keys.isEmpty()) {
        routesByService.remove(service);
      }
      services.add(service);
    }
  }

  private static Set<ObjectRef> parentServices(RouteResource route) {
    Set<ObjectRef> out = new HashSet<>();
    route.parents().stream().filter(RouteResource.ParentRef::isService).forEach(p -> out.add(new ObjectRef(p.namespace(), p.name())));
    return out;
  }

  /** A ServiceProfile named {@code <svc>.<ns>.svc.<cluster-domain>} belongs to that Service. */
  private Optional<ObjectRef> serviceOfProfile(ResourceKey profile) {
    return Authority.parseServiceName(profile.name(), clusterDomain)
        .filter(name -> name.namespace().equals(profile.namespace()))
        .map(name -> new ObjectRef(name.namespace(), name.name()));
  }
}
