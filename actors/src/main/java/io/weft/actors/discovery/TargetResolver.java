package io.weft.actors.discovery;

import io.weft.actors.index.ClusterStore;
import io.weft.actors.index.ResourceIndex;

/** What an IP:port target is served from: a Service (cluster IP), a Pod, or nothing known. */
public sealed interface TargetResolver {
  record OfService(ClusterStore.Ref service, int port) implements TargetResolver {}

  record OfPod(ClusterStore.Ref pod, String ip, int port) implements TargetResolver {}

  record Unknown(String ip, int port) implements TargetResolver {}

  static TargetResolver resolve(DestinationTarget.Address address, ResourceIndex.IpResolution resolution) {
    if (resolution.service().isPresent()) {
      return new OfService(resolution.service().get(), address.port());
    }
    if (resolution.pod().isPresent()) {
      return new OfPod(resolution.pod().get(), address.ip(), address.port());
    }
    return new Unknown(address.ip(), address.port());
  }
}
