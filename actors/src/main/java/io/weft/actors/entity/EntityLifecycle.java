package io.weft.actors.entity;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * What every subscribable entity does besides keeping its state: it holds subscriptions until the
 * node's index has given it its inputs, and passivates itself once nobody has listened for the
 * idle timeout (sharding's own idle passivation would stop entities whose streams are just quiet).
 */
final class EntityLifecycle<C> {
  private final ActorContext<C> context;
  private final TimerScheduler<C> timers;
  private final ActorRef<ClusterSharding.ShardCommand> shard;
  private final Duration idleTimeout;
  private final C idleCheck;
  private final Function<ActorRef<?>, C> gone;
  private final List<Subscribers<?>> subscribers;
  private final List<C> waiting = new ArrayList<>();
  private boolean hydrated;

  /**
   * @param idleCheck the entity's message that asks whether it is idle
   * @param gone      the entity's message that a watched subscriber stopped
   * @param subscribers every set of subscribers the entity serves
   */
  EntityLifecycle(ActorContext<C> context, TimerScheduler<C> timers, ActorRef<ClusterSharding.ShardCommand> shard,
                  Duration idleTimeout, C idleCheck, Function<ActorRef<?>, C> gone, Subscribers<?>... subscribers) {
    this.context = context;
    this.timers = timers;
    this.shard = shard;
    this.idleTimeout = idleTimeout;
    this.idleCheck = idleCheck;
    this.gone = gone;
    this.subscribers = List.of(subscribers);
    timers.startSingleTimer(idleCheck, idleTimeout);
  }

  /** False (and the message kept for later) while the entity has no inputs yet. */
  boolean ready(C message) {
    if (!hydrated) {
      waiting.add(message);
    }
    return hydrated;
  }

  /** The entity has its first inputs: serve what waited for them. */
  void hydrated() {
    if (!hydrated) {
      hydrated = true;
      waiting.forEach(context.getSelf()::tell);
      waiting.clear();
    }
  }

  /** Hears of {@code subscriber}'s end as the entity's gone message. */
  void watch(ActorRef<?> subscriber) {
    context.watchWith(subscriber, gone.apply(subscriber));
  }

  /** A watched subscriber stopped: it is forgotten, and the idle time counts from now if it was the last. */
  <B> B subscriberGone(ActorRef<?> subscriber, B behavior) {
    subscribers.forEach(s -> s.remove(subscriber));
    if (noSubscribers()) {
      timers.startSingleTimer(idleCheck, idleTimeout);
    }
    return behavior;
  }

  /** The idle timer fired: an entity nobody listens to asks its shard to passivate it. */
  <B> B idleCheck(B behavior) {
    if (noSubscribers()) {
      shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
    }
    return behavior;
  }

  private boolean noSubscribers() {
    return subscribers.stream().allMatch(Subscribers::isEmpty);
  }
}
