package io.weft.actors.index;

import io.weft.actors.discovery.ServiceInputs;
import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.PodResource;
import org.apache.pekko.Done;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.AbstractBehavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.Receive;

import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.ResourceKind;

import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * One per control-plane node: the node's own view of the cluster, fed by its own watches. The
 * entities hosted on this node register interest and are pushed their inputs on every change, so
 * an entity that moves to another node rebuilds itself from that node's index.
 */
public final class ResourceIndex extends AbstractBehavior<ResourceIndex.Command> {
  public sealed interface Command {}

  /** Applies one event; {@code replyTo} gets Done once it is applied (stream backpressure). */
  public record Apply(ClusterEvent event, ActorRef<Done> replyTo) implements Command {}

  public record WatchService(ClusterStore.Ref service, ActorRef<ServiceInputs> subscriber) implements Command {}

  public record WatchPod(ClusterStore.Ref pod, ActorRef<PodState> subscriber) implements Command {}

  public record ResolveIp(String ip, ActorRef<IpResolution> replyTo) implements Command {}

  /** Answers once the backend's initial state has been applied. */
  public record AwaitSynced(ActorRef<Done> replyTo) implements Command {}

  /** The objects of one kind the index knows, sorted by namespace and name. */
  public record ListObjects(ResourceKind kind, ActorRef<List<KubeResource>> replyTo) implements Command {}

  /** One object by its key (a map lookup: callers on a hot path, like the admission webhook, ask this). */
  public record GetObject(io.weft.k8s.model.ResourceKey key, ActorRef<Optional<KubeResource>> replyTo) implements Command {}

  private record SubscriberGone(ActorRef<?> subscriber) implements Command {}

  /** The pod's current state; {@code pod} is null when it does not exist. */
  public record PodState(ClusterStore.Ref ref, PodResource pod) {}

  /** What an IP belongs to: a Service's cluster IP, a pod, or neither. */
  public record IpResolution(Optional<ClusterStore.Ref> service, Optional<ClusterStore.Ref> pod) {}

  private final ClusterStore store;
  private final Map<ClusterStore.Ref, Set<ActorRef<ServiceInputs>>> serviceWatchers = new HashMap<>();
  private final Map<ClusterStore.Ref, Set<ActorRef<PodState>>> podWatchers = new HashMap<>();
  private final List<ActorRef<Done>> awaitingSync = new java.util.ArrayList<>();
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
        .onMessage(WatchService.class, this::onWatchService)
        .onMessage(WatchPod.class, this::onWatchPod)
        .onMessage(ResolveIp.class, this::onResolveIp)
        .onMessage(ListObjects.class, this::onListObjects)
        .onMessage(GetObject.class, this::onGetObject)
        .onMessage(AwaitSynced.class, this::onAwaitSynced)
        .onMessage(SubscriberGone.class, this::onSubscriberGone)
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
    for (ClusterStore.Ref service : affected.services()) {
      Set<ActorRef<ServiceInputs>> watchers = serviceWatchers.get(service);
      if (watchers != null) {
        ServiceInputs inputs = store.serviceInputs(service);
        watchers.forEach(w -> w.tell(inputs));
      }
    }
    for (ClusterStore.Ref pod : affected.pods()) {
      Set<ActorRef<PodState>> watchers = podWatchers.get(pod);
      if (watchers != null) {
        PodState state = new PodState(pod, store.pod(pod).orElse(null));
        watchers.forEach(w -> w.tell(state));
      }
    }
    apply.replyTo().tell(Done.getInstance());
    return this;
  }

  private Behavior<Command> onWatchService(WatchService watch) {
    serviceWatchers.computeIfAbsent(watch.service(), s -> new HashSet<>()).add(watch.subscriber());
    getContext().watchWith(watch.subscriber(), new SubscriberGone(watch.subscriber()));
    watch.subscriber().tell(store.serviceInputs(watch.service()));
    return this;
  }

  private Behavior<Command> onWatchPod(WatchPod watch) {
    podWatchers.computeIfAbsent(watch.pod(), s -> new HashSet<>()).add(watch.subscriber());
    getContext().watchWith(watch.subscriber(), new SubscriberGone(watch.subscriber()));
    watch.subscriber().tell(new PodState(watch.pod(), store.pod(watch.pod()).orElse(null)));
    return this;
  }

  private Behavior<Command> onResolveIp(ResolveIp resolve) {
    resolve.replyTo().tell(new IpResolution(store.serviceByClusterIp(resolve.ip()), store.podByIp(resolve.ip())));
    return this;
  }

  private Behavior<Command> onListObjects(ListObjects list) {
    list.replyTo().tell(store.objects().stream()
        .filter(r -> r.resourceKind() == list.kind())
        .sorted(Comparator.comparing((KubeResource r) -> r.meta().namespace()).thenComparing(r -> r.meta().name()))
        .toList());
    return this;
  }

  private Behavior<Command> onGetObject(GetObject get) {
    get.replyTo().tell(store.object(get.key()));
    return this;
  }

  private Behavior<Command> onSubscriberGone(SubscriberGone gone) {
    serviceWatchers.values().forEach(s -> s.remove(gone.subscriber()));
    serviceWatchers.values().removeIf(Set::isEmpty);
    podWatchers.values().forEach(s -> s.remove(gone.subscriber()));
    podWatchers.values().removeIf(Set::isEmpty);
    return this;
  }
}
