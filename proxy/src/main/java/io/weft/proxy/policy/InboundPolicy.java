package io.weft.proxy.policy;

import io.weft.protocol.net.Cidr;
import io.weft.protocol.policy.Client;
import io.weft.protocol.policy.DefaultPolicy;

import java.util.BitSet;
import java.util.List;

/**
 * What the inbound proxy enforces on every connection and request to its application: the policy
 * the control plane serves for the port ({@code ports}), else the default policy over the
 * cluster's networks. It fails closed: an unreadable setting stops the proxy at start, it never
 * widens to "allow".
 */
public record InboundPolicy(DefaultPolicy defaultPolicy, List<Cidr> clusterNetworks, BitSet identityRequired,
                            PortPolicies ports) {
  public InboundPolicy {
    clusterNetworks = List.copyOf(clusterNetworks);
    identityRequired = (BitSet) identityRequired.clone();
  }

  /** The default policy alone, until the control plane's port policies are followed. */
  public InboundPolicy(DefaultPolicy defaultPolicy, List<Cidr> clusterNetworks) {
    this(defaultPolicy, clusterNetworks, new BitSet(), PortPolicies.NONE);
  }

  public InboundPolicy withPorts(PortPolicies ports) {
    return new InboundPolicy(defaultPolicy, clusterNetworks, identityRequired, ports);
  }

  /** With {@code ports} requiring a meshed client whatever the default ({@code LINKERD2_PROXY_INBOUND_PORTS_REQUIRE_IDENTITY}). */
  public InboundPolicy requiringIdentityOn(BitSet ports) {
    return new InboundPolicy(defaultPolicy, clusterNetworks, ports, this.ports);
  }

  /** The default policy of {@code port}: stricter where the port requires a meshed client. */
  public DefaultPolicy defaultFor(int port) {
    return identityRequired.get(port) ? defaultPolicy.requiringIdentity() : defaultPolicy;
  }

  /** Allows everyone, as a proxy with no policy configured does (Linkerd's {@code all-unauthenticated}). */
  public static InboundPolicy allowAll() {
    return new InboundPolicy(DefaultPolicy.ALL_UNAUTHENTICATED, List.of());
  }

  /** Whether the default policy of {@code port} admits {@code client}. */
  public boolean allows(Client client, int port) {
    return defaultFor(port).allows(client, clusterNetworks);
  }
}
