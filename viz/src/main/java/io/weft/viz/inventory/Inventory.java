package io.weft.viz.inventory;

import io.weft.k8s.model.ClusterEvent;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Follows the cluster (the Kubernetes API's watches, a local cluster's manifests, or a fixed set
 * of pods) and publishes its {@link MeshInventory}: changes are applied in batches by the one
 * stream that owns them, and readers take the latest snapshot without locks.
 */
public final class Inventory implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Inventory.class);
  private static final int BATCH = 1000;
  private static final Duration BATCH_WINDOW = Duration.ofMillis(50);

  private volatile MeshInventory current = MeshInventory.EMPTY;
  private final CompletableFuture<Void> synced = new CompletableFuture<>();
  private final UniqueKillSwitch stop;

  public Inventory(ActorSystem<?> system, Source<ClusterEvent, ?> cluster) {
    this.stop = cluster.viaMat(KillSwitches.single(), Keep.right())
        .groupedWithin(BATCH, BATCH_WINDOW)
        .toMat(Sink.foreach(batch -> {
          current = current.apply(batch);
          if (batch.stream().anyMatch(e -> e instanceof ClusterEvent.Synced)) {
            synced.complete(null);
          }
        }), Keep.left())
        .run(system);
  }

  public MeshInventory current() {
    return current;
  }

  /** Completes once the cluster's state at start has been read. */
  public CompletionStage<Void> synced() {
    return synced;
  }

  @Override
  public void close() {
    log.debug("inventory stopped");
    stop.shutdown();
  }
}
