package io.weft.actors.entity;

import io.weft.actors.CborSerializable;
import io.weft.actors.discovery.EndpointSnapshot;
import io.weft.actors.discovery.EndpointView;
import io.weft.actors.discovery.ProfileInputs;
import io.weft.actors.discovery.ServiceInputs;
import io.weft.actors.index.ClusterStore;
import io.weft.actors.index.ResourceIndex;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityContext;
import org.apache.pekko.cluster.sharding.typed.javadsl.EntityTypeKey;

import java.time.Duration;

/**
 * One per Service (entity id {@code namespace/name}), placed by cluster sharding. It keeps the
 * Service's inputs from its node's index and streams endpoint snapshots per port, and profile
 * inputs, to its subscribers. Without subscribers for a while it passivates itself.
 */
public final class ServiceEntity extends AbstractBehavior<ServiceEntity.Command> {
  public static final EntityTypeKey<Command> TYPE = EntityTypeKey.create(Command.class, "Service");

  public sealed interface Command extends CborSerializable {}

  public record SubscribeEndpoints(int port, ActorRef<Delivery<EndpointSnapshot>> subscriber) implements Command {}

  public record SubscribeProfile(ActorRef<Delivery<ProfileInputs>> subscriber) implements Command {}

  private record InputsChanged(ServiceInputs inputs) implements Command {}

  private record SubscriberGone(ActorRef<?> subscriber) implements Command {}

  private enum IdleCheck implements Command { INSTANCE }

  public static Behavior<Command> create(EntityContext<Command> entity, ActorRef<ResourceIndex.Command> index,
                                         EndpointView view, Duration idleTimeout) {
    ClusterStore.Ref ref = ClusterStore.Ref.ofEntityId(entity.getEntityId());
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      index.tell(new ResourceIndex.WatchService(ref, ctx.messageAdapter(ServiceInputs.class, InputsChanged::new)));
      return new ServiceEntity(ctx, new EntityLifecycle<>(ctx, timers, entity.getShard(), idleTimeout, IdleCheck.INSTANCE), view);
    }));
  }

  private final EntityLifecycle<Command> lifecycle;
  private final EndpointView view;
  private final Subscribers<EndpointSnapshot> endpointSubscribers = new Subscribers<>();
  private final Subscribers<ProfileInputs> profileSubscribers = new Subscribers<>();
  private ServiceInputs inputs;

  private ServiceEntity(ActorContext<Command> ctx, EntityLifecycle<Command> lifecycle, EndpointView view) {
    super(ctx);
    this.lifecycle = lifecycle;
    this.view = view;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(InputsChanged.class, this::onInputs)
        .onMessage(SubscribeEndpoints.class, this::onSubscribeEndpoints)
        .onMessage(SubscribeProfile.class, this::onSubscribeProfile)
        .onMessage(SubscriberGone.class, this::onSubscriberGone)
        .onMessageEquals(IdleCheck.INSTANCE, () -> {
          lifecycle.onIdleCheck(noSubscribers());
          return this;
        })
        .build();
  }

  private Behavior<Command> onInputs(InputsChanged changed) {
    inputs = changed.inputs();
    lifecycle.hydrated();
    endpointSubscribers.refresh(port -> view.forService(inputs, port), getContext().getSelf());
    profileSubscribers.refresh(port -> profileInputs(), getContext().getSelf());
    return this;
  }

  private Behavior<Command> onSubscribeEndpoints(SubscribeEndpoints subscribe) {
    if (lifecycle.ready(subscribe)) {
      lifecycle.watch(subscribe.subscriber(), new SubscriberGone(subscribe.subscriber()));
      endpointSubscribers.add(subscribe.subscriber(), subscribe.port(), view.forService(inputs, subscribe.port()), getContext().getSelf());
    }
    return this;
  }

  private Behavior<Command> onSubscribeProfile(SubscribeProfile subscribe) {
    if (lifecycle.ready(subscribe)) {
      lifecycle.watch(subscribe.subscriber(), new SubscriberGone(subscribe.subscriber()));
      profileSubscribers.add(subscribe.subscriber(), 0, profileInputs(), getContext().getSelf());
    }
    return this;
  }

  private ProfileInputs profileInputs() {
    return new ProfileInputs(inputs.service(), inputs.profile());
  }

  private Behavior<Command> onSubscriberGone(SubscriberGone gone) {
    endpointSubscribers.remove(gone.subscriber());
    profileSubscribers.remove(gone.subscriber());
    lifecycle.subscriberLeft(noSubscribers());
    return this;
  }

  private boolean noSubscribers() {
    return endpointSubscribers.isEmpty() && profileSubscribers.isEmpty();
  }
}
