package io.weft.actors.entity;

import io.weft.actors.state.CborSerializable;
import io.weft.actors.discovery.EndpointInfo;
import io.weft.actors.discovery.EndpointSnapshot;
import io.weft.actors.discovery.EndpointView;
import io.weft.actors.discovery.ProfileInputs;
import io.weft.actors.index.ResourceIndex;
import io.weft.actors.state.ObjectRef;
import io.weft.actors.state.ServiceState;
import io.weft.actors.state.SliceState;
import io.weft.k8s.model.ServiceResource;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One per Service (entity id {@code namespace/name}), placed by cluster sharding. It keeps the
 * Service and its profile from its node's index, subscribes to the entity of each of the Service's
 * EndpointSlices for their endpoints, and streams endpoint snapshots per port, and profile inputs,
 * to its subscribers. It publishes only once every one of its slices has answered, so a subscriber never
 * sees a partial set. Without subscribers for a while it passivates itself.
 */
public final class ServiceEntity extends AbstractBehavior<ServiceEntity.Command> {
  public static final EntityTypeKey<Command> TYPE = EntityTypeKey.create(Command.class, "Service");

  public sealed interface Command extends CborSerializable {}

  public record SubscribeEndpoints(int port, ActorRef<Delivery<EndpointSnapshot>> subscriber) implements Command {}

  public record SubscribeProfile(ActorRef<Delivery<ProfileInputs>> subscriber) implements Command {}

  private record ServiceChanged(ServiceState state) implements Command {}

  private record SliceChanged(SliceState state) implements Command {}

  private record SubscriberGone(ActorRef<?> subscriber) implements Command {}

  private enum IdleCheck implements Command { INSTANCE }

  /** One slice's endpoints on one port, and the slice state and Service they were computed from. */
  private record Piece(SliceState state, ServiceResource service, List<EndpointInfo> endpoints) {}

  public static Behavior<Command> create(EntityContext<Command> entity, ActorRef<ResourceIndex.Command> index,
                                         EndpointView view, Duration idleTimeout) {
    ObjectRef ref = ObjectRef.ofEntityId(entity.getEntityId());
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      index.tell(new ResourceIndex.WatchService(ref, ctx.messageAdapter(ServiceState.class, ServiceChanged::new)));
      return new ServiceEntity(ctx, ref, timers, entity.getShard(), idleTimeout, view);
    }));
  }

  private final ObjectRef ref;
  private final EntityLifecycle<Command> lifecycle;
  private final EndpointView view;
  private final ClusterSharding sharding;
  private final Subscribers<EndpointSnapshot> endpointSubscribers = new Subscribers<>();
  private final Subscribers<ProfileInputs> profileSubscribers = new Subscribers<>();
  /** The subscription to each of the Service's slices' entities, and what each last said. */
  private final Map<String, ActorRef<Subscription.Command<SliceState>>> sliceSubscriptions = new HashMap<>();
  private final Map<String, SliceState> slices = new HashMap<>();
  /** What each slice contributes to each port, kept until that slice or the Service changes. */
  private final Map<String, Map<Integer, Piece>> pieces = new HashMap<>();
  /** One adapter for every slice: Pekko keeps one per message class, and each state names its slice. */
  private final ActorRef<SliceState> sliceOutput;
  private ServiceState service;

  private ServiceEntity(ActorContext<Command> ctx, ObjectRef ref, TimerScheduler<Command> timers,
                        ActorRef<ClusterSharding.ShardCommand> shard, Duration idleTimeout, EndpointView view) {
    super(ctx);
    this.ref = ref;
    this.lifecycle = new EntityLifecycle<>(ctx, timers, shard, idleTimeout, IdleCheck.INSTANCE, SubscriberGone::new,
        endpointSubscribers, profileSubscribers);
    this.view = view;
    this.sharding = ClusterSharding.get(ctx.getSystem());
    this.sliceOutput = ctx.messageAdapter(SliceState.class, SliceChanged::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(ServiceChanged.class, this::onServiceChanged)
        .onMessage(SliceChanged.class, this::onSliceChanged)
        .onMessage(SubscribeEndpoints.class, this::onSubscribeEndpoints)
        .onMessage(SubscribeProfile.class, this::onSubscribeProfile)
        .onMessage(SubscriberGone.class, gone -> lifecycle.subscriberGone(gone.subscriber(), this))
        .onMessageEquals(IdleCheck.INSTANCE, () -> lifecycle.idleCheck(this))
        .build();
  }

  private Behavior<Command> onServiceChanged(ServiceChanged changed) {
    service = changed.state();
    List<String> wanted = service.slices();
    sliceSubscriptions.entrySet().removeIf(s -> {
      if (wanted.contains(s.getKey())) {
        return false;
      }
      getContext().stop(s.getValue());
      slices.remove(s.getKey());
      pieces.remove(s.getKey());
      return true;
    });
    for (String slice : wanted) {
      sliceSubscriptions.computeIfAbsent(slice, this::subscribeToSlice);
    }
    publish();
    return this;
  }

  private ActorRef<Subscription.Command<SliceState>> subscribeToSlice(String slice) {
    String entityId = new ObjectRef(ref.namespace(), slice).entityId();
    return getContext().spawnAnonymous(Subscription.<SliceState>create(replyTo ->
        sharding.entityRefFor(StateEntity.SLICE, entityId).tell(new StateEntity.Subscribe<>(replyTo)), sliceOutput));
  }

  private Behavior<Command> onSliceChanged(SliceChanged changed) {
    String slice = changed.state().ref().name();
    if (sliceSubscriptions.containsKey(slice)) {
      slices.put(slice, changed.state());
      publish();
    }
    return this;
  }

  /** Once the Service and every one of its slices have answered: the new inputs to every subscriber whose value changed. */
  private void publish() {
    if (service == null || !slices.keySet().containsAll(service.slices())) {
      return;
    }
    lifecycle.hydrated();
    endpointSubscribers.refresh(this::snapshot, getContext().getSelf());
    profileSubscribers.refresh(port -> profileInputs(), getContext().getSelf());
  }

  private Behavior<Command> onSubscribeEndpoints(SubscribeEndpoints subscribe) {
    if (lifecycle.ready(subscribe)) {
      lifecycle.watch(subscribe.subscriber());
      endpointSubscribers.add(subscribe.subscriber(), subscribe.port(), this::snapshot, getContext().getSelf());
    }
    return this;
  }

  private Behavior<Command> onSubscribeProfile(SubscribeProfile subscribe) {
    if (lifecycle.ready(subscribe)) {
      lifecycle.watch(subscribe.subscriber());
      profileSubscribers.add(subscribe.subscriber(), 0, port -> profileInputs(), getContext().getSelf());
    }
    return this;
  }

  private ProfileInputs profileInputs() {
    return new ProfileInputs(service.service(), service.profile(), service.routes());
  }

  /**
   * The port's endpoints, as {@link EndpointView#forService} computes them from the same slices,
   * recomputing only the slices that changed since the last snapshot.
   */
  private EndpointSnapshot snapshot(int port) {
    ServiceResource svc = service.service();
    if (svc == null) {
      return EndpointSnapshot.MISSING;
    }
    List<List<EndpointInfo>> parts = new ArrayList<>();
    for (String name : service.slices()) {
      SliceState state = slices.get(name);
      if (state.slice() == null) {
        continue;
      }
      Map<Integer, Piece> ofSlice = pieces.computeIfAbsent(name, n -> new HashMap<>());
      Piece piece = ofSlice.get(port);
      if (piece == null || piece.state() != state || piece.service() != svc) {
        piece = new Piece(state, svc, view.sliceEndpoints(svc, port, state.slice(), state.pods()));
        ofSlice.put(port, piece);
      }
      parts.add(piece.endpoints());
    }
    return view.assemble(svc, parts);
  }
}
