package io.weft.actors.feed;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.k8s.model.ClusterEvent;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.eventstream.EventStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the event tail says of each input event, published on the node's event stream. */
class FeedEventTest {
  private static final ActorTestKit kit = ActorTestKit.create();
  private static final ObjectMapper JSON = new ObjectMapper();

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  @Test
  void aWatchThatDroppedIsToldWithItsReason() throws Exception {
    TestProbe<FeedEvent> listener = kit.createTestProbe();
    kit.system().eventStream().tell(new EventStream.Subscribe<>(FeedEvent.class, listener.ref()));
    // The subscription is in place once an event published after it arrives.
    FeedEvent.applied(kit.system(), new ClusterEvent.Synced("a test cluster"));
    assertThat(JSON.readTree(listener.receiveMessage().json()).path("event").asText()).isEqualTo("synced");

    FeedEvent.applied(kit.system(), new ClusterEvent.WatchRestarted("services", "expired (410 Gone)"));
    JsonNode told = JSON.readTree(listener.receiveMessage().json());
    assertThat(told.path("kind").asText()).isEqualTo("cluster");
    assertThat(told.path("event").asText()).isEqualTo("watch-restarted");
    assertThat(told.path("resources").asText()).isEqualTo("services");
    assertThat(told.path("reason").asText()).isEqualTo("expired (410 Gone)");
  }
}
