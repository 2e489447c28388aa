package io.weft.testkit;

import io.weft.k8s.ClusterBackend;
import io.weft.k8s.EventPublisher;
import io.weft.k8s.KnownState;
import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.ResourceKey;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A cluster held in memory that a driver changes directly: for benchmarks and tests that need
 * exact control over when each object changes. Objects get increasing resourceVersions. One
 * materialization at a time.
 */
public final class InMemoryCluster implements ClusterBackend {
  private final int buffer;
  private final KnownState known = new KnownState();
  private final AtomicLong resourceVersion = new AtomicLong();
  private final CompletableFuture<EventPublisher> publisher = new CompletableFuture<>();

  public InMemoryCluster(int buffer) {
    this.buffer = buffer;
  }

  private final io.weft.k8s.identity.LocalTokens tokens = new io.weft.k8s.identity.LocalTokens(
      java.security.SecureRandom.getSeed(32));

  /** Tokens this cluster's identity reviewer accepts. */
  @Override
  public io.weft.k8s.identity.LocalTokens tokenReviewer() {
    return tokens;
  }

  @Override
  public String describe() {
    return "in-memory cluster";
  }

  @Override
  public Source<ClusterEvent, NotUsed> events() {
    // It starts empty, so it is synced at once; the driver's changes follow.
    return EventPublisher.source(buffer, 1, p -> Thread.ofVirtual().start(() -> {
      try {
        p.publish(new ClusterEvent.Synced(describe()));
        publisher.complete(p);
      } catch (InterruptedException e) {
        publisher.completeExceptionally(e);
      }
    }), () -> { });
  }

  /** Creates or replaces objects; blocks while the control plane is behind (backpressure). */
  public synchronized void apply(KubeResource... resources) throws InterruptedException {
    List<ClusterEvent> events = new ArrayList<>();
    for (KubeResource r : resources) {
      known.upsert(r.withResourceVersion(Long.toString(resourceVersion.incrementAndGet()))).ifPresent(events::add);
    }
    publisher.join().publishAll(events);
  }

  public synchronized void delete(ResourceKey key) throws InterruptedException {
    var event = known.delete(key);
    if (event.isPresent()) {
      publisher.join().publish(event.get());
    }
  }
}
