package io.weft.actors.entity;

import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

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
  private final List<C> waiting = new ArrayList<>();
  private boolean hydrated;

  EntityLifecycle(ActorContext<C> context, TimerScheduler<C> timers, ActorRef<ClusterSharding.ShardCommand> shard,
                  Duration idleTimeout, C idleCheck) {
    this.context = context;
    this.timers = timers;
    this.shard = shard;
    this.idleTimeout = idleTimeout;
    this.idleCheck = idleCheck;
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

  void watch(ActorRef<?> subscriber, C whenGone) {
    context.watchWith(subscriber, whenGone);
  }

  /** After a subscriber left: start counting idle time if it was the last one. */
  void subscriberLeft(boolean noneLeft) {
    if (noneLeft) {
      timers.startSingleTimer(idleCheck, idleTimeout);
    }
  }

  void onIdleCheck(boolean noSubscribers) {
    if (noSubscribers) {
      shard.tell(new ClusterSharding.Passivate<>(context.getSelf()));
    }
  }
}
