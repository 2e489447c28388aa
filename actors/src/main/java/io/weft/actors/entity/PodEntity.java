package io.weft.actors.entity;

import io.weft.actors.state.CborSerializable;
import io.weft.actors.discovery.EndpointSnapshot;
import io.weft.actors.discovery.EndpointView;
import io.weft.actors.index.ResourceIndex;
import io.weft.actors.state.ObjectRef;
import io.weft.actors.state.PodState;
import io.weft.k8s.model.PodResource;
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

/**
 * One per Pod (entity id {@code namespace/name}): the endpoint a proxy reaches when it dials the
 * pod's IP directly, with the pod's identity, labels and protocol hint.
 */
public final class PodEntity extends AbstractBehavior<PodEntity.Command> {
  public static final EntityTypeKey<Command> TYPE = EntityTypeKey.create(Command.class, "Pod");

  public sealed interface Command extends CborSerializable {}

  public record SubscribeEndpoint(String ip, int port, ActorRef<Delivery<EndpointSnapshot>> subscriber) implements Command {}

  private record PodChanged(PodState state) implements Command {}

  private record SubscriberGone(ActorRef<?> subscriber) implements Command {}

  private enum IdleCheck implements Command { INSTANCE }

  public static Behavior<Command> create(EntityContext<Command> entity, ActorRef<ResourceIndex.Command> index,
                                         EndpointView view, Duration idleTimeout) {
    ObjectRef ref = ObjectRef.ofEntityId(entity.getEntityId());
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      index.tell(new ResourceIndex.WatchPod(ref, ctx.messageAdapter(PodState.class, PodChanged::new)));
      return new PodEntity(ctx, timers, entity.getShard(), idleTimeout, view);
    }));
  }

  private final EntityLifecycle<Command> lifecycle;
  private final EndpointView view;
  private final Subscribers<EndpointSnapshot> subscribers = new Subscribers<>();
  private PodResource pod;

  private PodEntity(ActorContext<Command> ctx, TimerScheduler<Command> timers, ActorRef<ClusterSharding.ShardCommand> shard,
                    Duration idleTimeout, EndpointView view) {
    super(ctx);
    this.lifecycle = new EntityLifecycle<>(ctx, timers, shard, idleTimeout, IdleCheck.INSTANCE, SubscriberGone::new, subscribers);
    this.view = view;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(PodChanged.class, this::onPodChanged)
        .onMessage(SubscribeEndpoint.class, this::onSubscribe)
        .onMessage(SubscriberGone.class, gone -> lifecycle.subscriberGone(gone.subscriber(), this))
        .onMessageEquals(IdleCheck.INSTANCE, () -> lifecycle.idleCheck(this))
        .build();
  }

  private Behavior<Command> onPodChanged(PodChanged changed) {
    pod = changed.state().pod();
    lifecycle.hydrated();
    subscribers.refresh(this::snapshot, getContext().getSelf());
    return this;
  }

  /** A pod that is gone leaves only its address: the proxy may still dial it directly. */
  private EndpointSnapshot snapshot(int port) {
    return view.forPod(pod, pod == null ? "" : pod.podIP(), port);
  }

  private Behavior<Command> onSubscribe(SubscribeEndpoint subscribe) {
    if (lifecycle.ready(subscribe)) {
      lifecycle.watch(subscribe.subscriber());
      subscribers.add(subscribe.subscriber(), subscribe.port(),
          port -> pod == null ? view.forPod(null, subscribe.ip(), port) : snapshot(port), getContext().getSelf());
    }
    return this;
  }
}
