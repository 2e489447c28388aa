package io.weft.cli;

import io.weft.k8s.ClusterBackend;
import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.PodResource;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Finds a pod in a cluster's initial state: by name, or {@code deploy/NAME} for one of a workload's pods. */
final class PodLookup {
  private PodLookup() {}

  static PodResource find(ActorSystem<?> system, ClusterBackend backend, String namespace, String target, Duration timeout) {
    List<PodResource> pods;
    try {
      pods = backend.events()
          .takeWhile(event -> !(event instanceof ClusterEvent.Synced))
          .filter(event -> event instanceof ClusterEvent.Upserted u && u.resource() instanceof PodResource)
          .map(event -> (PodResource) ((ClusterEvent.Upserted) event).resource())
          .filter(pod -> pod.meta().namespace().equals(namespace))
          .runWith(Sink.seq(), system).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot read the pods of " + backend.describe() + ": " + e.getMessage());
    }
    String workload = target.startsWith("deploy/") ? target.substring("deploy/".length())
        : target.startsWith("deployment/") ? target.substring("deployment/".length()) : null;
    String name = target.startsWith("po/") ? target.substring(3) : target.startsWith("pod/") ? target.substring(4) : target;
    return pods.stream()
        .filter(pod -> workload == null ? pod.meta().name().equals(name)
            : pod.owner() != null && pod.owner().kind().equals("Deployment") && pod.owner().name().equals(workload))
        .filter(pod -> !pod.podIP().isEmpty())
        .findFirst()
        .orElseThrow(() -> new IllegalStateException("no running pod " + target + " in namespace " + namespace
            + " (" + backend.describe() + ")"));
  }
}
