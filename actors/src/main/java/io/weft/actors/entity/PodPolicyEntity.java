package io.weft.actors.entity;

import io.weft.actors.index.ResourceIndex;
import io.weft.actors.state.CborSerializable;
import io.weft.actors.state.InboundPolicyInputs;
import io.weft.actors.state.ObjectRef;
import io.weft.actors.state.PodServers;
import io.weft.actors.state.ServerState;
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
import java.util.HashMap;
import java.util.Map;

/**
 * One per pod whose proxy follows its inbound policy (entity id {@code namespace/name}), placed by
 * cluster sharding. It keeps the pod and its namespace from its node's index, subscribes to the
 * entity of each Server that selects the pod, and streams the pod's policy inputs — assembled from
 * what those Server entities hold — to its subscribers (the proxies' {@code WatchPort} streams,
 * which turn them into each port's policy). It publishes only once every one of its Servers has
 * answered, so a proxy never sees a policy missing a Server. Without subscribers for a while it
 * passivates itself.
 */
public final class PodPolicyEntity extends AbstractBehavior<PodPolicyEntity.Command> {
  public static final EntityTypeKey<Command> TYPE = EntityTypeKey.create(Command.class, "PodPolicy");
  /** A pod has one value for every subscriber: its inputs (each stream picks its port). */
  private static final int INPUTS = 0;

  public sealed interface Command extends CborSerializable {}

  public record Subscribe(ActorRef<Delivery<InboundPolicyInputs>> subscriber) implements Command {}

  private record PodChanged(PodServers state) implements Command {}

  private record ServerChanged(ServerState state) implements Command {}

  private record SubscriberGone(ActorRef<?> subscriber) implements Command {}

  private enum IdleCheck implements Command { INSTANCE }

  public static Behavior<Command> create(EntityContext<Command> entity, ActorRef<ResourceIndex.Command> index, Duration idleTimeout) {
    ObjectRef ref = ObjectRef.ofEntityId(entity.getEntityId());
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      index.tell(new ResourceIndex.WatchPodServers(ref, ctx.messageAdapter(PodServers.class, PodChanged::new)));
      return new PodPolicyEntity(ctx, timers, entity.getShard(), idleTimeout);
    }));
  }

  private final EntityLifecycle<Command> lifecycle;
  private final ClusterSharding sharding;
  private final Subscribers<InboundPolicyInputs> subscribers = new Subscribers<>();
  /** The subscription to each selecting Server's entity, and what each last said. */
  private final Map<ObjectRef, ActorRef<Subscription.Command<ServerState>>> serverSubscriptions = new HashMap<>();
  private final Map<ObjectRef, ServerState> servers = new HashMap<>();
  /** One adapter for every Server: each state names its Server. */
  private final ActorRef<ServerState> serverOutput;
  private PodServers pod;

  private PodPolicyEntity(ActorContext<Command> ctx, TimerScheduler<Command> timers, ActorRef<ClusterSharding.ShardCommand> shard,
                          Duration idleTimeout) {
    super(ctx);
    this.lifecycle = new EntityLifecycle<>(ctx, timers, shard, idleTimeout, IdleCheck.INSTANCE, SubscriberGone::new, subscribers);
    this.sharding = ClusterSharding.get(ctx.getSystem());
    this.serverOutput = ctx.messageAdapter(ServerState.class, ServerChanged::new);
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(PodChanged.class, this::onPodChanged)
        .onMessage(ServerChanged.class, changed -> {
          if (serverSubscriptions.containsKey(changed.state().ref())) {
            servers.put(changed.state().ref(), changed.state());
            publish();
          }
          return this;
        })
        .onMessage(Subscribe.class, subscribe -> {
          if (lifecycle.ready(subscribe)) {
            lifecycle.watch(subscribe.subscriber());
            subscribers.add(subscribe.subscriber(), INPUTS, port -> inputs(), getContext().getSelf());
          }
          return this;
        })
        .onMessage(SubscriberGone.class, gone -> lifecycle.subscriberGone(gone.subscriber(), this))
        .onMessageEquals(IdleCheck.INSTANCE, () -> lifecycle.idleCheck(this))
        .build();
  }

  private Behavior<Command> onPodChanged(PodChanged changed) {
    pod = changed.state();
    serverSubscriptions.entrySet().removeIf(s -> {
      if (pod.servers().contains(s.getKey())) {
        return false;
      }
      getContext().stop(s.getValue());
      servers.remove(s.getKey());
      return true;
    });
    for (ObjectRef server : pod.servers()) {
      serverSubscriptions.computeIfAbsent(server, s -> getContext().spawnAnonymous(Subscription.<ServerState>create(replyTo ->
          sharding.entityRefFor(StateEntity.SERVER, s.entityId()).tell(new StateEntity.Subscribe<>(replyTo)), serverOutput)));
    }
    publish();
    return this;
  }

  /** Once the pod and every one of its Servers have answered: the new inputs to every subscriber, if they changed. */
  private void publish() {
    if (pod == null || !servers.keySet().containsAll(pod.servers())) {
      return;
    }
    lifecycle.hydrated();
    subscribers.refresh(port -> inputs(), getContext().getSelf());
  }

  private InboundPolicyInputs inputs() {
    return InboundPolicyInputs.assemble(pod, pod.servers().stream().map(servers::get).toList());
  }
}
