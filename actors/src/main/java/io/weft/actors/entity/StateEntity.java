package io.weft.actors.entity;

import io.weft.actors.index.ResourceIndex;
import io.weft.actors.state.CborSerializable;
import io.weft.actors.state.ObjectRef;
import io.weft.actors.state.ServerState;
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
import java.util.function.BiFunction;

/**
 * An entity (id {@code namespace/name}) that owns one object's state as its node's index gives it,
 * and streams every change of it to its subscribers. One per EndpointSlice ({@link #SLICE}: its
 * endpoints — addresses, readiness, zones and the pods behind them — for its Service's entity, so
 * an endpoint turning ready or not is one message from here), and one per Server ({@link #SERVER}:
 * the Server and the authorizations, routes and rate limits that target it, for the policy entities
 * of the pods it selects).
 */
public final class StateEntity<T> extends AbstractBehavior<StateEntity.Command> {
  public static final EntityTypeKey<Command> SLICE = EntityTypeKey.create(Command.class, "EndpointSlice");
  public static final EntityTypeKey<Command> SERVER = EntityTypeKey.create(Command.class, "Server");
  /** An entity has one value for every subscriber: its state. */
  private static final int STATE = 0;

  public sealed interface Command extends CborSerializable {}

  public record Subscribe<T>(ActorRef<Delivery<T>> subscriber) implements Command {}

  private record Changed<T>(T state) implements Command {}

  private record SubscriberGone(ActorRef<?> subscriber) implements Command {}

  private enum IdleCheck implements Command { INSTANCE }

  public static Behavior<Command> slice(EntityContext<Command> entity, ActorRef<ResourceIndex.Command> index, Duration idleTimeout) {
    return create(entity, index, SliceState.class, ResourceIndex.WatchSlice::new, idleTimeout);
  }

  public static Behavior<Command> server(EntityContext<Command> entity, ActorRef<ResourceIndex.Command> index, Duration idleTimeout) {
    return create(entity, index, ServerState.class, ResourceIndex.WatchServer::new, idleTimeout);
  }

  private static <T> Behavior<Command> create(EntityContext<Command> entity, ActorRef<ResourceIndex.Command> index, Class<T> type,
                                              BiFunction<ObjectRef, ActorRef<T>, ResourceIndex.Command> watch, Duration idleTimeout) {
    ObjectRef ref = ObjectRef.ofEntityId(entity.getEntityId());
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      index.tell(watch.apply(ref, ctx.messageAdapter(type, Changed::new)));
      return new StateEntity<T>(ctx, timers, entity.getShard(), idleTimeout);
    }));
  }

  private final EntityLifecycle<Command> lifecycle;
  private final Subscribers<T> subscribers = new Subscribers<>();
  private T state;

  private StateEntity(ActorContext<Command> ctx, TimerScheduler<Command> timers, ActorRef<ClusterSharding.ShardCommand> shard,
                      Duration idleTimeout) {
    super(ctx);
    this.lifecycle = new EntityLifecycle<>(ctx, timers, shard, idleTimeout, IdleCheck.INSTANCE, SubscriberGone::new, subscribers);
  }

  @Override
  @SuppressWarnings("unchecked") // the index adapter and the subscribers of this entity's type carry its T only
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Changed.class, changed -> {
          state = (T) changed.state();
          lifecycle.hydrated();
          subscribers.refresh(port -> state, getContext().getSelf());
          return this;
        })
        .onMessage(Subscribe.class, subscribe -> {
          if (lifecycle.ready(subscribe)) {
            lifecycle.watch(subscribe.subscriber());
            subscribers.add((ActorRef<Delivery<T>>) (ActorRef<?>) subscribe.subscriber(), STATE, port -> state, getContext().getSelf());
          }
          return this;
        })
        .onMessage(SubscriberGone.class, gone -> lifecycle.subscriberGone(gone.subscriber(), this))
        .onMessageEquals(IdleCheck.INSTANCE, () -> lifecycle.idleCheck(this))
        .build();
  }
}
