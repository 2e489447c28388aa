package io.weft.proxy.policy;

import io.weft.protocol.net.Cidr;
import io.weft.protocol.policy.Client;
import io.weft.protocol.policy.DefaultPolicy;

import java.util.List;

/**
 * What the inbound proxy enforces on every connection and request to its application: the policy
 * the control plane serves for the port ({@code ports}), else the default policy over the
 * cluster's networks. It fails closed: an unreadable setting stops the proxy at start, it never
 * widens to "allow".
 */
public record InboundPolicy(DefaultPolicy defaultPolicy, List<Cidr> clusterNetworks, PortPolicies ports) {
  public InboundPolicy {
    clusterNetworks = List.copyOf(clusterNetworks);
  }

  /** The default policy alone, until the control plane's port policies are followed. */
  public InboundPolicy(DefaultPolicy defaultPolicy, List<Cidr> clusterNetworks) {
    this(defaultPolicy, clusterNetworks, PortPolicies.NONE);
  }

  public InboundPolicy withPorts(PortPolicies ports) {
    return new InboundPolicy(defaultPolicy, clusterNetworks, ports);
  }

  /** Allows everyone, as a proxy with no policy configured does (Linkerd's {@code all-unauthenticated}). */
  public static InboundPolicy allowAll() {
    return new InboundPolicy(DefaultPolicy.ALL_UNAUTHENTICATED, List.of());
  }

  public boolean allows(Client client) {
    return defaultPolicy.allows(client, clusterNetworks);
  }
}
