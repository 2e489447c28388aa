package io.weft.actors.entity;

import io.weft.actors.state.CborSerializable;
import org.apache.pekko.actor.CoordinatedShutdown;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.util.function.Consumer;

/**
 * Keeps one stream subscribed to one entity wherever the entity lives. It watches the entity
 * incarnation that answers; when that one dies (passivated, or its node left) it subscribes again
 * through sharding, which starts the entity on a live node. It stops with its stream.
 */
public final class Subscription {
  public sealed interface Command<T> permits Delivery, EntityGone, OutputGone {}

  record EntityGone<T>(ActorRef<?> entity) implements Command<T>, CborSerializable {}

  record OutputGone<T>() implements Command<T>, CborSerializable {}

  private static final java.util.concurrent.atomic.AtomicLong STREAMS = new java.util.concurrent.atomic.AtomicLong();

  private Subscription() {}

  /**
   * A stream of the values an entity pushes, kept to the latest one when the stream is behind: a
   * subscription actor (named {@code name}-N) follows the entity for as long as the stream runs.
   */
  public static <T> org.apache.pekko.stream.javadsl.Source<T, org.apache.pekko.NotUsed> source(
      org.apache.pekko.actor.typed.ActorSystem<?> system, String name, Consumer<ActorRef<Delivery<T>>> subscribe) {
    return org.apache.pekko.stream.typed.javadsl.ActorSource.<T>actorRef(value -> false, value -> java.util.Optional.empty(), 1,
            org.apache.pekko.stream.OverflowStrategy.dropHead())
        .mapMaterializedValue(output -> {
          system.systemActorOf(create(subscribe, output), name + "-" + STREAMS.incrementAndGet(), org.apache.pekko.actor.typed.Props.empty());
          return org.apache.pekko.NotUsed.notUsed();
        });
  }

  /**
   * @param subscribe sends the subscribe message (carrying the given reply address) to the entity
   * @param output    where values go: the stream's source actor
   */
  public static <T> Behavior<Command<T>> create(Consumer<ActorRef<Delivery<T>>> subscribe, ActorRef<T> output) {
    return Behaviors.setup(ctx -> {
      ctx.watchWith(output, new OutputGone<>());
      ActorRef<Delivery<T>> self = ctx.getSelf().narrow();
      subscribe.accept(self);
      return following(null, subscribe, output, self);
    });
  }

  private static <T> Behavior<Command<T>> following(ActorRef<?> entity, Consumer<ActorRef<Delivery<T>>> subscribe,
                                                    ActorRef<T> output, ActorRef<Delivery<T>> self) {
    return Behaviors.setup(ctx -> Behaviors.<Command<T>>receiveMessage(message -> switch (message) {
      case Delivery<T> d -> {
        output.tell(d.value());
        if (!d.from().equals(entity)) {
          ctx.watchWith(d.from(), new EntityGone<>(d.from()));
          yield following(d.from(), subscribe, output, self);
        }
        yield Behaviors.same();
      }
      case EntityGone<T> gone -> {
        if (CoordinatedShutdown.get(ctx.getSystem()).getShutdownReason().isPresent()) {
          yield Behaviors.stopped(); // this node is stopping: its streams end with it
        }
        if (gone.entity().equals(entity)) {
          subscribe.accept(self);
          yield following(null, subscribe, output, self);
        }
        yield Behaviors.same();
      }
      case OutputGone<T> ignored -> Behaviors.stopped();
    }));
  }
}
