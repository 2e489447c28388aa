package io.weft.protocol.policy;

import io.weft.protocol.net.Cidr;

import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * Linkerd's default inbound policies: what a port with no Server allows
 * ({@code config.linkerd.io/default-inbound-policy}, {@code LINKERD2_PROXY_INBOUND_DEFAULT_POLICY}).
 * Authenticated means the client proved a mesh identity over mesh TLS; cluster means its address
 * is in the cluster's networks. {@code audit} allows everything and says so in the metrics.
 */
public enum DefaultPolicy {
  ALL_UNAUTHENTICATED(false, false, true),
  ALL_AUTHENTICATED(true, false, true),
  CLUSTER_UNAUTHENTICATED(false, true, true),
  CLUSTER_AUTHENTICATED(true, true, true),
  DENY(false, false, false),
  AUDIT(false, false, true);

  private final boolean authenticated;
  private final boolean cluster;
  private final boolean allowsAnyone;

  DefaultPolicy(boolean authenticated, boolean cluster, boolean allowsAnyone) {
    this.authenticated = authenticated;
    this.cluster = cluster;
    this.allowsAnyone = allowsAnyone;
  }

  /** Its name as Linkerd writes it ({@code all-unauthenticated}, {@code deny}, ...). */
  public String linkerdName() {
    return name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /** The policy Linkerd calls {@code name}; {@link IllegalArgumentException} names the ones there are. */
  public static DefaultPolicy parse(String name) {
    for (DefaultPolicy policy : values()) {
      if (policy.linkerdName().equals(name.trim())) {
        return policy;
      }
    }
    throw new IllegalArgumentException("'" + name + "' is not a default policy (" + Arrays.stream(values())
        .map(DefaultPolicy::linkerdName).collect(Collectors.joining(", ")) + ")");
  }

  /**
   * This policy on a port that requires a meshed client ({@code config.linkerd.io/proxy-require-identity-inbound-ports}):
   * as strict as this one and never admitting a client without an identity. {@code audit} stays
   * audit (it admits and counts; requiring an identity would change what it reports on).
   */
  public DefaultPolicy requiringIdentity() {
    return switch (this) {
      case ALL_UNAUTHENTICATED -> ALL_AUTHENTICATED;
      case CLUSTER_UNAUTHENTICATED -> CLUSTER_AUTHENTICATED;
      default -> this;
    };
  }

  /** Whether {@code client} may reach a port this policy guards, given the cluster's networks. */
  public boolean allows(Client client, List<Cidr> clusterNetworks) {
    if (!allowsAnyone) {
      return false;
    }
    if (authenticated && client.identity().isEmpty()) {
      return false;
    }
    return !cluster || clusterNetworks.stream().anyMatch(network -> network.contains(client.address()));
  }
}
