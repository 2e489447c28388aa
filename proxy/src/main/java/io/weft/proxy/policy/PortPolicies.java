package io.weft.proxy.policy;

import java.util.Optional;

/** The policies the control plane serves for the pod's ports; empty for a port it has not answered for. */
@FunctionalInterface
public interface PortPolicies {
  PortPolicies NONE = port -> Optional.empty();

  Optional<PortPolicy> forPort(int port);
}
