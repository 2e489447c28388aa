package io.weft.actors.state;

import io.weft.k8s.model.AuthorizationPolicyResource;
import io.weft.k8s.model.MeshTlsAuthenticationResource;
import io.weft.k8s.model.NetworkAuthenticationResource;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.RateLimitPolicyResource;
import io.weft.k8s.model.RouteResource;
import io.weft.k8s.model.ServerAuthorizationResource;
import io.weft.k8s.model.ServerResource;

import java.util.List;
import java.util.Map;

/**
 * Everything one pod's inbound policy depends on: the pod, its namespace's annotations, and the
 * Servers, AuthorizationPolicies, ServerAuthorizations, routes whose parent is a Server (in Linkerd's
 * order), HTTPLocalRateLimitPolicies and authentications of its namespace (an authentication another
 * namespace's policy refers to is among them when it exists). {@code pod} is null when the pod does
 * not exist.
 */
public record InboundPolicyInputs(PodResource pod, Map<String, String> namespaceAnnotations, List<ServerResource> servers,
                                  List<AuthorizationPolicyResource> policies, List<MeshTlsAuthenticationResource> meshAuthentications,
                                  List<NetworkAuthenticationResource> networkAuthentications,
                                  List<ServerAuthorizationResource> serverAuthorizations, List<RouteResource> routes,
                                  List<RateLimitPolicyResource> rateLimits) implements CborSerializable {
  public InboundPolicyInputs {
    namespaceAnnotations = Map.copyOf(namespaceAnnotations);
    servers = List.copyOf(servers);
    policies = List.copyOf(policies);
    meshAuthentications = List.copyOf(meshAuthentications);
    networkAuthentications = List.copyOf(networkAuthentications);
    serverAuthorizations = List.copyOf(serverAuthorizations);
    routes = List.copyOf(routes);
    rateLimits = List.copyOf(rateLimits);
  }

  /**
   * A pod's inputs from what its entities hold: the pod and its namespace, and the state of each
   * Server that selects it (each object once, routes in Linkerd's order). The entities and a replay
   * assemble them alike.
   */
  public static InboundPolicyInputs assemble(PodServers pod, java.util.Collection<ServerState> servers) {
    java.util.Map<io.weft.k8s.model.ResourceKey, io.weft.k8s.model.KubeResource> seen = new java.util.LinkedHashMap<>();
    List<ServerResource> serverObjects = new java.util.ArrayList<>();
    for (ServerState state : servers) {
      if (state.server() != null) {
        serverObjects.add(state.server());
      }
      java.util.stream.Stream.of(state.policies(), state.serverAuthorizations(), state.routes(), state.rateLimits(),
          state.meshAuthentications(), state.networkAuthentications()).flatMap(List::stream).forEach(r -> seen.putIfAbsent(r.key(), r));
    }
    java.util.Comparator<io.weft.k8s.model.KubeResource> byName = java.util.Comparator.comparing(
        (io.weft.k8s.model.KubeResource r) -> r.meta().namespace()).thenComparing(r -> r.meta().name());
    serverObjects.sort(byName);
    return new InboundPolicyInputs(pod.pod(), pod.namespaceAnnotations(), serverObjects,
        of(seen, AuthorizationPolicyResource.class, byName), of(seen, MeshTlsAuthenticationResource.class, byName),
        of(seen, NetworkAuthenticationResource.class, byName), of(seen, ServerAuthorizationResource.class, byName),
        of(seen, RouteResource.class, RouteResource.LINKERD_ORDER), of(seen, RateLimitPolicyResource.class, byName));
  }

  private static <T extends io.weft.k8s.model.KubeResource> List<T> of(
      java.util.Map<io.weft.k8s.model.ResourceKey, io.weft.k8s.model.KubeResource> objects, Class<T> type,
      java.util.Comparator<? super T> order) {
    return objects.values().stream().filter(type::isInstance).map(type::cast).sorted(order).toList();
  }
}
