package io.weft.proxy.policy;

import java.util.Optional;

/** The policies the control plane serves for the pod's ports; empty for a port it has not answered for. */
@FunctionalInterface
public interface PortPolicies {
  PortPolicies NONE = port -> Optional.empty();

  Optional<PortPolicy> forPort(int port);

  /**
   * Runs {@code changed} after each new policy for {@code port} until the returned handle is run
   * (open connections re-check themselves); policies that never change need not keep it.
   */
  default Runnable onChange(int port, Runnable changed) {
    return () -> { };
  }
}
