package io.weft.actors;

import io.weft.k8s.local.LocalClusterBackend;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Two control-plane nodes (two ActorSystems on loopback) sharing the sharded entities. */
class TwoNodeFailoverTest {
  private static final String AUTHORITY = "web-svc.emojivoto.svc.cluster.local:80";

  @TempDir Path manifests;

  @Test
  void aSubscriberFollowsItsEntityFromOneNodeToTheOther() throws IOException {
    Files.writeString(manifests.resolve("app.yaml"), LocalClusterDiscoveryTest.app(1, "80"));
    var configA = TestConfigs.node(null, true);
    var configB = TestConfigs.node(null, false);
    var settings = ControlPlaneSettings.from(configA).localCluster();
    ControlPlane a = ControlPlane.start(configA, new LocalClusterBackend(manifests, settings), Optional.empty());
    ControlPlane b = null;
    try {
      // A is alone, so the Service entity is placed on A by the first subscription.
      try (DestinationWatch onA = new DestinationWatch(a.system(), a.destinationPort(), AUTHORITY)) {
        onA.awaitCount(1);
      }
      b = ControlPlane.start(configB, new LocalClusterBackend(manifests, settings), Optional.of(a.clusterAddress()));
      ControlPlane nodeB = b;
      await().atMost(DestinationWatch.PATIENCE).until(() -> upMembers(nodeB) == 2);

      try (DestinationWatch onB = new DestinationWatch(b.system(), b.destinationPort(), AUTHORITY)) {
        onB.awaitCount(1);
        assertThat(entityHostedOn(a)).isTrue();

        Files.writeString(manifests.resolve("app.yaml"), LocalClusterDiscoveryTest.app(2, "80"));
        onB.awaitCount(2);

        a.close(); // leaves the cluster; its shards move to B
        await().atMost(DestinationWatch.PATIENCE).until(() -> upMembers(nodeB) == 1);

        // The entity restarts on B from B's own index and the same stream keeps serving.
        Files.writeString(manifests.resolve("app.yaml"), LocalClusterDiscoveryTest.app(3, "80"));
        onB.awaitCount(3);
        assertThat(onB.failure()).isNull();
        assertThat(entityHostedOn(b)).isTrue();
      }
    } finally {
      if (b != null) {
        b.close();
      }
      if (!a.system().whenTerminated().isCompleted()) {
        a.close();
      }
    }
  }

  private static long upMembers(ControlPlane node) {
    return StreamSupport.stream(Cluster.get(node.system()).state().getMembers().spliterator(), false)
        .filter(m -> m.status() == MemberStatus.up()).count();
  }

  /** Whether the Service entity for web-svc runs in this node's ActorSystem. */
  private static boolean entityHostedOn(ControlPlane node) {
    var probe = node.system().classicSystem().actorSelection("/system/sharding/Service/*/emojivoto%2Fweb-svc");
    try {
      probe.resolveOne(java.time.Duration.ofSeconds(3)).toCompletableFuture().get();
      return true;
    } catch (Exception e) {
      return false;
    }
  }
}
