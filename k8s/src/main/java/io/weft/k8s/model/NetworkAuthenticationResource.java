package io.weft.k8s.model;

import java.util.List;

/** A NetworkAuthentication (policy.linkerd.io): clients whose address is in one of its networks and in none of that network's exceptions. */
public record NetworkAuthenticationResource(ResourceMeta meta, List<Network> networks) implements KubeResource {
  public NetworkAuthenticationResource {
    networks = List.copyOf(networks);
  }

  /** A CIDR and the CIDRs within it it excludes, as written. */
  public record Network(String cidr, List<String> except) {
    public Network {
      except = List.copyOf(except);
    }
  }

  @Override public ResourceKind resourceKind() { return ResourceKind.NETWORK_AUTHENTICATION; }
  @Override public NetworkAuthenticationResource withResourceVersion(String rv) {
    return new NetworkAuthenticationResource(meta.withResourceVersion(rv), networks);
  }
}
