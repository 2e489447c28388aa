package io.weft.actors.query;

import io.weft.actors.index.ResourceIndex;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.NamespaceResource;
import io.weft.k8s.model.ResourceKey;
import io.weft.k8s.model.ResourceKind;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Scheduler;
import org.apache.pekko.actor.typed.javadsl.AskPattern;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The control-plane node's front door for questions about the cluster it sees: every answer comes
 * from the node's resource index, asynchronously, so a caller on a request path (an admission
 * review, a CLI query) never holds a thread while the index answers.
 */
public final class ClusterQueries {
  private final ActorRef<ResourceIndex.Command> index;
  private final Scheduler scheduler;
  private final Duration timeout;

  public ClusterQueries(ActorRef<ResourceIndex.Command> index, Scheduler scheduler, Duration timeout) {
    this.index = index;
    this.scheduler = scheduler;
    this.timeout = timeout;
  }

  /** The objects of {@code kind} the node knows, sorted by namespace and name. */
  public <T extends KubeResource> CompletionStage<List<T>> objects(ResourceKind kind, Class<T> type) {
    return AskPattern.<ResourceIndex.Command, List<KubeResource>>ask(index, replyTo -> new ResourceIndex.ListObjects(kind, replyTo),
        timeout, scheduler).thenApply(objects -> objects.stream().map(type::cast).toList());
  }

  /** One object the node knows, by its key. */
  public <T extends KubeResource> CompletionStage<Optional<T>> object(ResourceKey key, Class<T> type) {
    return AskPattern.<ResourceIndex.Command, Optional<KubeResource>>ask(index, replyTo -> new ResourceIndex.GetObject(key, replyTo),
        timeout, scheduler).thenApply(object -> object.map(type::cast));
  }

  /** A namespace's annotations; none for a namespace the node does not know. */
  public CompletionStage<Map<String, String>> namespaceAnnotations(String namespace) {
    return object(new ResourceKey(ResourceKind.NAMESPACE, "", namespace), NamespaceResource.class)
        .thenApply(ns -> ns.map(n -> n.meta().annotations()).orElse(Map.of()));
  }
}
