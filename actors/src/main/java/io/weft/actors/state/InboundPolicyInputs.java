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
}
