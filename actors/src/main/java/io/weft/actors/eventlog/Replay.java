package io.weft.actors.eventlog;

import io.linkerd.proxy.destination.Update;
import io.weft.actors.discovery.DestinationTarget;
import io.weft.actors.discovery.DiscoverySettings;
import io.weft.actors.discovery.EndpointSnapshot;
import io.weft.actors.discovery.EndpointView;
import io.weft.actors.discovery.TargetResolver;
import io.weft.actors.discovery.UpdateDiff;
import io.weft.actors.index.ClusterStore;
import io.weft.actors.index.ResourceIndex;

import java.time.Instant;
import java.util.List;

/**
 * Rebuilds the control plane's view from a recorded event log up to a moment, and answers what
 * {@code Destination.Get} would have sent first at that moment. It applies the events with the
 * same store and the same view code the live control plane uses.
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
    return UpdateDiff.initial(snapshot(store, DestinationTarget.parse(path, settings.clusterDomain())));
  }

  private EndpointSnapshot snapshot(ClusterStore store, DestinationTarget target) {
    return switch (target) {
      case DestinationTarget.ServicePort s ->
          view.forService(store.serviceInputs(s.service()), s.port());
      case DestinationTarget.Address a -> switch (TargetResolver.resolve(a,
          new ResourceIndex.IpResolution(store.serviceByClusterIp(a.ip()), store.podByIp(a.ip())))) {
        case TargetResolver.OfService s -> view.forService(store.serviceInputs(s.service()), s.port());
        case TargetResolver.OfPod p -> view.forPod(store.pod(p.pod()).orElse(null), p.ip(), p.port());
        case TargetResolver.Unknown u -> view.forPod(null, u.ip(), u.port());
      };
    };
  }
}
