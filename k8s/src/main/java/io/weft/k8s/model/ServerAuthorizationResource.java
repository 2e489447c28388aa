package io.weft.k8s.model;

import java.util.List;
import java.util.Map;

/**
 * A ServerAuthorization (policy.linkerd.io/v1beta1, the older form of AuthorizationPolicy): access
 * to the Server it names ({@code serverName}) or the Servers its label selector matches, for clients
 * in its networks (all when none) that are unauthenticated, or over mesh TLS without an identity
 * ({@code unauthenticatedTls}), or proving one of its identities or ServiceAccounts.
 */
public record ServerAuthorizationResource(ResourceMeta meta, String serverName, Map<String, String> serverSelector,
                                          List<NetworkAuthenticationResource.Network> networks, boolean unauthenticated,
                                          boolean unauthenticatedTls, List<String> identities, List<PolicyRef> serviceAccounts)
    implements KubeResource {
  public ServerAuthorizationResource {
    serverSelector = serverSelector == null ? Map.of() : Map.copyOf(serverSelector);
    networks = List.copyOf(networks);
    identities = List.copyOf(identities);
    serviceAccounts = List.copyOf(serviceAccounts);
  }

  /** Whether it is for {@code server}: the Server it names, else one its selector's labels match. */
  public boolean targets(ServerResource server) {
    return serverName.isEmpty() ? new LabelSelector(serverSelector, List.of()).matches(server.meta().labels())
        : serverName.equals(server.meta().name());
  }

  @Override public ResourceKind resourceKind() { return ResourceKind.SERVER_AUTHORIZATION; }
  @Override public ServerAuthorizationResource withResourceVersion(String rv) {
    return new ServerAuthorizationResource(meta.withResourceVersion(rv), serverName, serverSelector, networks, unauthenticated,
        unauthenticatedTls, identities, serviceAccounts);
  }
}
