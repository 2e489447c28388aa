package io.weft.actors.state;

import io.weft.k8s.model.AuthorizationPolicyResource;
import io.weft.k8s.model.MeshTlsAuthenticationResource;
import io.weft.k8s.model.NetworkAuthenticationResource;
import io.weft.k8s.model.RateLimitPolicyResource;
import io.weft.k8s.model.RouteResource;
import io.weft.k8s.model.ServerAuthorizationResource;
import io.weft.k8s.model.ServerResource;

import java.util.List;

/**
 * A Server as its entity holds it: the Server (null when it does not exist) and everything that
 * targets it — the AuthorizationPolicies aimed at it, its namespace or its routes, the
 * ServerAuthorizations naming or selecting it, the routes whose parent it is (in Linkerd's order),
 * the HTTPLocalRateLimitPolicies aimed at it — and the authentications those policies require
 * (wherever they live).
 */
public record ServerState(ObjectRef ref, ServerResource server, List<AuthorizationPolicyResource> policies,
                          List<ServerAuthorizationResource> serverAuthorizations, List<RouteResource> routes,
                          List<RateLimitPolicyResource> rateLimits, List<MeshTlsAuthenticationResource> meshAuthentications,
                          List<NetworkAuthenticationResource> networkAuthentications) implements CborSerializable {
  public ServerState {
    policies = List.copyOf(policies);
    serverAuthorizations = List.copyOf(serverAuthorizations);
    routes = List.copyOf(routes);
    rateLimits = List.copyOf(rateLimits);
    meshAuthentications = List.copyOf(meshAuthentications);
    networkAuthentications = List.copyOf(networkAuthentications);
  }
}
