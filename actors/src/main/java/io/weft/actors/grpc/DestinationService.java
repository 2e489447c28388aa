package io.weft.actors.grpc;

import io.grpc.Status;
import io.linkerd.proxy.destination.Destination;
import io.linkerd.proxy.destination.DestinationProfile;
import io.linkerd.proxy.destination.GetDestination;
import io.linkerd.proxy.destination.Update;
import io.weft.actors.discovery.DestinationTarget;
import io.weft.actors.discovery.DiscoverySettings;
import io.weft.actors.discovery.EndpointSnapshot;
import io.weft.actors.discovery.EndpointView;
import io.weft.actors.discovery.ProfileInputs;
import io.weft.actors.state.ServiceInputs;
import io.weft.actors.discovery.ProfileView;
import io.weft.actors.discovery.TargetResolver;
import io.weft.actors.discovery.UpdateMemo;
import io.weft.actors.entity.Delivery;
import io.weft.actors.entity.PodEntity;
import io.weft.actors.entity.ServiceEntity;
import io.weft.actors.entity.Subscription;
import io.weft.actors.index.ResourceIndex;
import io.weft.actors.state.IpResolution;
import io.weft.actors.state.ObjectRef;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Source;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * Linkerd's Destination API. Each stream is fed by a {@link Subscription} actor and holds only the
 * latest snapshot (a buffer of one, dropping older ones): a slow proxy is sent the difference
 * between what it last received and the newest state, never a growing backlog.
 */
public final class DestinationService implements Destination {
  private final ActorSystem<?> system;
  private final ActorRef<ResourceIndex.Command> index;
  private final ClusterSharding sharding;
  private final DiscoverySettings settings;
  private final EndpointView view;
  private final ProfileView profiles;
  private final Duration askTimeout;
  private final UpdateMemo updates;

  public DestinationService(ActorSystem<?> system, ActorRef<ResourceIndex.Command> index, DiscoverySettings settings,
                            Duration askTimeout) {
    this.system = system;
    this.index = index;
    this.sharding = ClusterSharding.get(system);
    this.settings = settings;
    this.view = new EndpointView(settings);
    this.profiles = new ProfileView(settings, view);
    this.askTimeout = askTimeout;
    this.updates = new UpdateMemo(settings.updateMemoSlots());
  }

  @Override
  public Source<Update, NotUsed> get(GetDestination request) {
    return updateBatches(request).mapConcat(updates -> updates);
  }

  /**
   * What {@link #get} streams, a batch per snapshot: the same list object for every stream of a
   * port that moved between the same two snapshots, so what is made of it can be shared too.
   */
  public Source<List<Update>, NotUsed> updateBatches(GetDestination request) {
    return parse(request).map(target -> snapshots(target)
            .statefulMap(() -> (EndpointSnapshot) null,
                (last, next) -> Pair.create(next, last == null ? updates.initial(next) : updates.between(last, next)),
                last -> Optional.<List<Update>>empty()))
        .orElseGet(() -> Source.failed(invalid(request)));
  }

  @Override
  public Source<DestinationProfile, NotUsed> getProfile(GetDestination request) {
    return parse(request).map(target -> switch (target) {
          case DestinationTarget.ServicePort s -> serviceProfile(s);
          // A Service's cluster IP has the Service's profile (routes, opaqueness), as Linkerd answers
          // for the address an intercepted connection was going to; any other address its own.
          case DestinationTarget.Address a -> Source.completionStage(resolveIp(a)).flatMapConcat(r -> r.service()
                  .map(service -> serviceProfile(new DestinationTarget.ServicePort(service.namespace(), service.name(), a.port())))
                  .orElseGet(() -> TargetResolver.resolve(a, r, live).map(snapshot -> profiles.forAddress(a, snapshot))))
              .conflate((older, newer) -> newer);
        })
        .map(source -> source.statefulMap(() -> (DestinationProfile) null,
            (last, next) -> Pair.create(next, next.equals(last) ? List.<DestinationProfile>of() : List.of(next)),
            last -> Optional.<List<DestinationProfile>>empty()).mapConcat(p -> p))
        .orElseGet(() -> Source.failed(invalid(request)));
  }

  private Optional<DestinationTarget> parse(GetDestination request) {
    try {
      return Optional.of(DestinationTarget.parse(request.getPath(), settings.clusterDomain()));
    } catch (IllegalArgumentException e) {
      return Optional.empty();
    }
  }

  private GrpcServiceException invalid(GetDestination request) {
    String reason;
    try {
      DestinationTarget.parse(request.getPath(), settings.clusterDomain());
      reason = "invalid path";
    } catch (IllegalArgumentException e) {
      reason = e.getMessage();
    }
    return new GrpcServiceException(Status.INVALID_ARGUMENT.withDescription(reason));
  }

  private Source<DestinationProfile, NotUsed> serviceProfile(DestinationTarget.ServicePort s) {
    return serviceInputs(s).map(inputs -> profiles.forService(s, inputs));
  }

  /** A Service's inputs (the Service, its profile) now and after every change: what its policies are computed from. */
  public Source<ServiceInputs, NotUsed> serviceInputs(DestinationTarget.ServicePort s) {
    return this.<ProfileInputs>subscribe(replyTo ->
            sharding.entityRefFor(ServiceEntity.TYPE, s.service().entityId()).tell(new ServiceEntity.SubscribeProfile(replyTo)))
        .map(ProfileInputs::asServiceInputs);
  }

  /** What an IP belongs to: a Service's cluster IP, a pod, or nothing. */
  public CompletionStage<IpResolution> resolveIp(DestinationTarget.Address a) {
    return AskPattern.ask(index, replyTo -> new ResourceIndex.ResolveIp(a.ip(), replyTo), askTimeout, system.scheduler());
  }

  private Source<EndpointSnapshot, NotUsed> snapshots(DestinationTarget target) {
    CompletionStage<IpResolution> resolution = target instanceof DestinationTarget.Address a
        ? resolveIp(a) : CompletableFuture.completedFuture(IpResolution.NONE);
    // flatMapConcat pulls ahead of a slow reader: conflating after it keeps a stalled stream at
    // the latest snapshot, as the entity's one-element buffer does.
    return Source.completionStage(resolution).flatMapConcat(r -> TargetResolver.resolve(target, r, live))
        .conflate((older, newer) -> newer);
  }

  /** The live sources of snapshots: the entity a target is served from. */
  private final TargetResolver.Sources<Source<EndpointSnapshot, NotUsed>> live = new TargetResolver.Sources<>() {
    @Override
    public Source<EndpointSnapshot, NotUsed> service(ObjectRef service, int port) {
      return subscribe(replyTo -> sharding.entityRefFor(ServiceEntity.TYPE, service.entityId())
          .tell(new ServiceEntity.SubscribeEndpoints(port, replyTo)));
    }

    @Override
    public Source<EndpointSnapshot, NotUsed> pod(ObjectRef pod, String ip, int port) {
      return subscribe(replyTo -> sharding.entityRefFor(PodEntity.TYPE, pod.entityId())
          .tell(new PodEntity.SubscribeEndpoint(ip, port, replyTo)));
    }

    @Override
    public Source<EndpointSnapshot, NotUsed> unknown(String ip, int port) {
      // Answered as itself until something owns the address, then the owner's stream.
      DestinationTarget.Address address = new DestinationTarget.Address(ip, port);
      Duration recheck = settings.unownedAddressRecheck();
      return Source.single(view.forPod(null, ip, port)).concat(Source.tick(recheck, recheck, address)
          .mapAsync(1, DestinationService.this::resolveIp)
          .filter(owner -> owner.service().isPresent() || owner.pod().isPresent())
          .take(1)
          .flatMapConcat(owner -> TargetResolver.resolve(address, owner, this))
          .mapMaterializedValue(ticks -> NotUsed.notUsed()));
    }
  };

  private <T> Source<T, NotUsed> subscribe(Consumer<ActorRef<Delivery<T>>> subscribe) {
    return Subscription.source(system, "destination-stream", subscribe);
  }

}
