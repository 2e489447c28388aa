package io.weft.actors.eventlog;

import io.linkerd.proxy.destination.Update;
import io.weft.actors.discovery.DestinationTarget;
import io.weft.actors.discovery.DiscoverySettings;
import io.weft.actors.discovery.EndpointSnapshot;
import io.weft.actors.discovery.EndpointView;
import io.weft.actors.discovery.TargetResolver;
import io.weft.actors.discovery.UpdateDiff;
import io.weft.actors.index.ClusterStore;
import io.weft.actors.state.IpResolution;
import io.weft.actors.state.ObjectRef;

import java.time.Instant;
import java.util.List;

/**
 * Rebuilds the control plane's view from a recorded event log up to a moment, and answers what
 * {@code Destination.Get} would have sent first at that moment. It applies the events with the
 * same store, the same target dispatch and the same view code the live control plane uses.
 */
public final class Replay {
  private final DiscoverySettings settings;
  private final EndpointView view;

  public Replay(DiscoverySettings settings) {
    this.settings = settings;
    this.view = new EndpointView(settings);
  }

  public List<Update> getAt(List<EventLog.Entry> log, Instant at, String path) {
    ClusterStore store = new ClusterStore(settings.clusterDomain());
    log.stream().filter(e -> !e.at().isAfter(at)).forEach(e -> store.apply(e.event()));
    DestinationTarget target = DestinationTarget.parse(path, settings.clusterDomain());
    IpResolution resolution = target instanceof DestinationTarget.Address a ? store.resolve(a.ip()) : IpResolution.NONE;
    return UpdateDiff.initial(TargetResolver.resolve(target, resolution, new TargetResolver.Sources<EndpointSnapshot>() {
      @Override
      public EndpointSnapshot service(ObjectRef service, int port) {
        return view.forService(store.serviceInputs(service), port);
      }

      @Override
      public EndpointSnapshot pod(ObjectRef pod, String ip, int port) {
        return view.forPod(store.pod(pod).orElse(null), ip, port);
      }

      @Override
      public EndpointSnapshot unknown(String ip, int port) {
        return view.forPod(null, ip, port);
      }
    }));
  }
}
