package io.weft.actors;

import io.linkerd.proxy.destination.GetDestination;
import io.linkerd.proxy.destination.Update;
import io.weft.k8s.local.LocalClusterBackend;
import org.apache.pekko.stream.Attributes;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** A proxy that stops reading is not sent a backlog: it gets the latest state when it reads again. */
class SlowSubscriberTest {
  private static final String AUTHORITY = "web-svc.emojivoto.svc.cluster.local:80";

  @TempDir Path manifests;

  @Test
  void aStalledStreamIsCoalescedToTheLatestState() throws Exception {
    Files.writeString(manifests.resolve("app.yaml"), LocalClusterDiscoveryTest.app(1, "80"));
    var config = TestConfigs.node(null, true);
    try (ControlPlane cp = ControlPlane.start(config,
        new LocalClusterBackend(manifests, ControlPlaneSettings.from(config).localCluster()), Optional.empty());
         DestinationWatch fast = new DestinationWatch(cp.system(), cp.destinationPort(), AUTHORITY)) {
      fast.awaitCount(1);
      // A reader that asks for one message at a time, and then stops asking.
      SinkQueueWithCancel<Update> slow = cp.destination().get(GetDestination.newBuilder().setPath(AUTHORITY).build())
          .runWith(Sink.<Update>queue().withAttributes(Attributes.inputBuffer(1, 1)), cp.system());
      Update first = slow.pull().toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow();
      assertThat(first.getAdd().getAddrsCount()).isEqualTo(1);

      for (int replicas = 2; replicas <= 11; replicas++) {
        Files.writeString(manifests.resolve("app.yaml"), LocalClusterDiscoveryTest.app(replicas, "80"));
        fast.awaitCount(replicas); // each step really happened, and was streamed to a reader that keeps up
      }

      // Ten changes reached the reader that keeps up as ten messages. The stalled reader holds one
      // message in its own one-element buffer (the first change); the other nine arrive as one.
      assertThat(fast.received().stream().filter(Update::hasAdd).count()).isEqualTo(11);
      Update buffered = slow.pull().toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow();
      assertThat(buffered.getAdd().getAddrsCount()).isEqualTo(1);
      Update coalesced = slow.pull().toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow();
      assertThat(coalesced.getAdd().getAddrsCount()).isEqualTo(9);
      slow.cancel();
    }
  }
}
