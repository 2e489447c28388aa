package io.weft.actors.index;

import io.weft.actors.state.PodServers;
import io.weft.actors.state.ServerState;
import io.weft.actors.state.IpResolution;
import io.weft.actors.state.ObjectRef;
import io.weft.actors.state.PodState;
import io.weft.actors.state.ServiceState;
import io.weft.actors.state.SliceState;
import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.ResourceKey;
import io.weft.k8s.model.ResourceKind;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;

/**
 * One per control-plane node: the node's own view of the cluster, fed by its own watches. The
 * entities hosted on this node register interest and are pushed their state on every change, so
 * an entity that moves to another node rebuilds itself from that node's index.
 */
public final class ResourceIndex extends AbstractBehavior<ResourceIndex.Command> {
  public sealed interface Command {}

  /** Applies one event; {@code replyTo} gets Done once it is applied (stream backpressure). */
  public record Apply(ClusterEvent event, ActorRef<Done> replyTo) implements Command {}

  public record WatchService(ObjectRef service, ActorRef<ServiceState> subscriber) implements Command {}

  public record WatchSlice(ObjectRef slice, ActorRef<SliceState> subscriber) implements Command {}

  public record WatchPod(ObjectRef pod, ActorRef<PodState> subscriber) implements Command {}

  /** A pod's namespace and the Servers that select it, now and after every change to them. */
  public record WatchPodServers(ObjectRef pod, ActorRef<PodServers> subscriber) implements Command {}

  /** A Server and what targets it, now and after every change to them. */
  public record WatchServer(ObjectRef server, ActorRef<ServerState> subscriber) implements Command {}

  public record ResolveIp(String ip, ActorRef<IpResolution> replyTo) implements Command {}

  /** Answers once the backend's initial state has been applied. */
  public record AwaitSynced(ActorRef<Done> replyTo) implements Command {}

  /** The objects of one kind the index knows, sorted by namespace and name. */
  public record ListObjects(ResourceKind kind, ActorRef<List<KubeResource>> replyTo) implements Command {}

  /** One object by its key (a map lookup: callers on a hot path, like the admission webhook, ask this). */
  public record GetObject(ResourceKey key, ActorRef<Optional<KubeResource>> replyTo) implements Command {}

  private record SubscriberGone(ActorRef<?> subscriber) implements Command {}

  /** The entities of one kind that watch objects, by the object they watch. */
  private static final class Watchers<T> {
    private final Map<ObjectRef, Set<ActorRef<T>>> byObject = new HashMap<>();

    void add(ObjectRef ref, ActorRef<T> watcher, T current) {
      byObject.computeIfAbsent(ref, r -> new HashSet<>()).add(watcher);
      watcher.tell(current);
    }

    /** Tells each watcher of the affected objects their new state, computed once per object. */
    void publish(Set<ObjectRef> affected, Function<ObjectRef, T> state) {
      for (ObjectRef ref : affected) {
        Set<ActorRef<T>> watchers = byObject.get(ref);
        if (watchers != null) {
          T now = state.apply(ref);
          watchers.forEach(w -> w.tell(now));
        }
      }
    }

    /** Tells the watchers of every watched object that {@code affected} holds for. */
    void publishWhere(java.util.function.Predicate<ObjectRef> affected, Function<ObjectRef, T> state) {
      publish(byObject.keySet().stream().filter(affected).collect(java.util.stream.Collectors.toSet()), state);
    }

    void remove(ActorRef<?> watcher) {
      byObject.values().forEach(s -> s.remove(watcher));
      byObject.values().removeIf(Set::isEmpty);
    }
  }

  private final ClusterStore store;
  private final Watchers<ServiceState> services = new Watchers<>();
  private final Watchers<SliceState> slices = new Watchers<>();
  private final Watchers<PodState> pods = new Watchers<>();
  private final Watchers<PodServers> podServers = new Watchers<>();
  private final Watchers<ServerState> servers = new Watchers<>();
  private final List<ActorRef<Done>> awaitingSync = new ArrayList<>();
  private boolean synced;

  public static Behavior<Command> create(String clusterDomain) {
    return Behaviors.setup(ctx -> new ResourceIndex(ctx, new ClusterStore(clusterDomain)));
  }

  private ResourceIndex(ActorContext<Command> context, ClusterStore store) {
    super(context);
    this.store = store;
  }

  @Override
  public Receive<Command> createReceive() {
    return newReceiveBuilder()
        .onMessage(Apply.class, this::onApply)
        .onMessage(WatchService.class, w -> watch(services, w.service(), w.subscriber(), store.serviceState(w.service())))
        .onMessage(WatchSlice.class, w -> watch(slices, w.slice(), w.subscriber(), store.sliceState(w.slice())))
        .onMessage(WatchPod.class, w -> watch(pods, w.pod(), w.subscriber(), podState(w.pod())))
        .onMessage(WatchPodServers.class, w -> watch(podServers, w.pod(), w.subscriber(), store.podServers(w.pod())))
        .onMessage(WatchServer.class, w -> watch(servers, w.server(), w.subscriber(), store.serverState(w.server())))
        .onMessage(ResolveIp.class, r -> {
          r.replyTo().tell(store.resolve(r.ip()));
          return this;
        })
        .onMessage(ListObjects.class, this::onListObjects)
        .onMessage(GetObject.class, get -> {
          get.replyTo().tell(store.object(get.key()));
          return this;
        })
        .onMessage(AwaitSynced.class, this::onAwaitSynced)
        .onMessage(SubscriberGone.class, gone -> {
          services.remove(gone.subscriber());
          slices.remove(gone.subscriber());
          pods.remove(gone.subscriber());
          podServers.remove(gone.subscriber());
          servers.remove(gone.subscriber());
          return this;
        })
        .build();
  }

  private Behavior<Command> onAwaitSynced(AwaitSynced await) {
    if (synced) {
      await.replyTo().tell(Done.getInstance());
    } else {
      awaitingSync.add(await.replyTo());
    }
    return this;
  }

  private Behavior<Command> onApply(Apply apply) {
    if (apply.event() instanceof ClusterEvent.Synced s && !synced) {
      synced = true;
      getContext().getLog().info("initial state of {} applied: {} objects", s.source(), store.objects().size());
      awaitingSync.forEach(r -> r.tell(Done.getInstance()));
      awaitingSync.clear();
    }
    ClusterStore.Affected affected = store.apply(apply.event());
    services.publish(affected.services(), store::serviceState);
    slices.publish(affected.slices(), store::sliceState);
    pods.publish(affected.pods(), this::podState);
    podServers.publishWhere(affected::policyOf, store::podServers);
    servers.publishWhere(affected::serverOf, store::serverState);
    apply.replyTo().tell(Done.getInstance());
    return this;
  }

  private <T> Behavior<Command> watch(Watchers<T> watchers, ObjectRef ref, ActorRef<T> subscriber, T current) {
    getContext().watchWith(subscriber, new SubscriberGone(subscriber));
    watchers.add(ref, subscriber, current);
    return this;
  }

  private PodState podState(ObjectRef pod) {
    return new PodState(pod, store.pod(pod).orElse(null));
  }

  private Behavior<Command> onListObjects(ListObjects list) {
    list.replyTo().tell(store.objects().stream()
        .filter(r -> r.resourceKind() == list.kind())
        .sorted(Comparator.comparing((KubeResource r) -> r.meta().namespace()).thenComparing(r -> r.meta().name()))
        .toList());
    return this;
  }
}
