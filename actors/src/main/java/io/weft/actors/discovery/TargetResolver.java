package io.weft.actors.discovery;

import io.weft.actors.state.IpResolution;
import io.weft.actors.state.ObjectRef;

/**
 * What a Destination target is served from — a Service port, a pod, or an address nothing in the
 * cluster owns — as the one dispatch the live Destination service and replay both go through.
 */
public final class TargetResolver {
  /** What to make of each kind of target: the live service makes streams, replay makes snapshots. */
  public interface Sources<R> {
    R service(ObjectRef service, int port);

    R pod(ObjectRef pod, String ip, int port);

    R unknown(String ip, int port);
  }

  private TargetResolver() {}

  /**
   * Places {@code target}: a Service port directly; an address by what its IP belongs to
   * ({@code resolution}), a Service's cluster IP before a pod's IP.
   */
  public static <R> R resolve(DestinationTarget target, IpResolution resolution, Sources<R> sources) {
    return switch (target) {
      case DestinationTarget.ServicePort s -> sources.service(s.service(), s.port());
      case DestinationTarget.Address a -> resolution.service().map(s -> sources.service(s, a.port()))
          .or(() -> resolution.pod().map(p -> sources.pod(p, a.ip(), a.port())))
          .orElseGet(() -> sources.unknown(a.ip(), a.port()));
    };
  }
}
