package io.weft.actors.entity;

import io.weft.actors.state.CborSerializable;
import io.weft.actors.index.ResourceIndex;
import io.weft.actors.state.ObjectRef;
import io.weft.actors.state.SliceState;
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
 * One per EndpointSlice (entity id {@code namespace/name}): it owns the slice's endpoints — their
 * addresses, readiness, zones and the pods behind them — and streams every change of them to its
 * subscribers, the entity of the Service the slice belongs to. An endpoint turning ready or not
 * reaches the Service as one message from here.
 */
public final class EndpointSliceEntity extends AbstractBehavior<EndpointSliceEntity.Command> {
  public static final EntityTypeKey<Command> TYPE = EntityTypeKey.create(Command.class, "EndpointSlice");
  /** A slice has one value for every subscriber: its endpoints. */
  private static final int ENDPOINTS = 0;

  public sealed interface Command extends CborSerializable {}

  public record Subscribe(ActorRef<Delivery<SliceState>> subscriber) implements Command {}

  private record SliceChanged(SliceState state) implements Command {}

  private record SubscriberGone(ActorRef<?> subscriber) implements Command {}

  private enum IdleCheck implements Command { INSTANCE }

  public static Behavior<Command> create(EntityContext<Command> entity, ActorRef<ResourceIndex.Command> index, Duration idleTimeout) {
    ObjectRef ref = ObjectRef.ofEntityId(entity.getEntityId());
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      index.tell(new ResourceIndex.WatchSlice(ref, ctx.messageAdapter(SliceState.class, SliceChanged::new)));
      return new EndpointSliceEntity(ctx, timers, entity.getShard(), idleTimeout);
    }));
  }

  private final EntityLifecycle<Command> lifecycle;
  private final Subscribers<SliceState> subscribers = new Subscribers<>();
  private SliceState state;

  private EndpointSliceEntity(ActorContext<Command> ctx, TimerScheduler<Command> timers,
                              ActorRef<ClusterSharding.ShardCommand> shard, Duration idleTimeout) {
    super(ctx);
    this.lifecycle = new EntityLifecycle<>(ctx, timers, shard, idleTimeout, IdleCheck.INSTANCE, SubscriberGone::new, subscribers);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(SliceChanged.class, changed -> {
          state = changed.state();
          lifecycle.hydrated();
          subscribers.refresh(port -> state, getContext().getSelf());
          return this;
        })
        .onMessage(Subscribe.class, subscribe -> {
          if (lifecycle.ready(subscribe)) {
            lifecycle.watch(subscribe.subscriber());
            subscribers.add(subscribe.subscriber(), ENDPOINTS, port -> state, getContext().getSelf());
          }
          return this;
        })
        .onMessage(SubscriberGone.class, gone -> lifecycle.subscriberGone(gone.subscriber(), this))
        .onMessageEquals(IdleCheck.INSTANCE, () -> lifecycle.idleCheck(this))
        .build();
  }
}
