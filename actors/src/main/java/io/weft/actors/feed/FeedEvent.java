package io.weft.actors.feed;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.k8s.model.ClusterEvent;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.eventstream.EventStream;

import java.time.Instant;

/**
 * Something the control plane did, for the diagnostics feed's event tail: an input event applied
 * (what the event log records: changes, the initial sync, a watch that dropped and relisted) or a
 * certificate issued. Published on the node's event stream,
 * where nobody listening costs nothing and a slow listener drops, never slowing the control plane.
 */
public record FeedEvent(String json) {
  private static final ObjectMapper JSON = new ObjectMapper();

  /** An input event, as it is applied. */
  public static void applied(ActorSystem<?> system, ClusterEvent event) {
    ObjectNode out = JSON.createObjectNode().put("kind", "cluster");
    switch (event) {
      case ClusterEvent.Upserted u -> out.put("event", "upsert").put("resource", u.key().toString())
          .put("resourceVersion", u.resource().meta().resourceVersion());
      case ClusterEvent.Deleted d -> out.put("event", "delete").put("resource", d.key().toString());
      case ClusterEvent.Synced s -> out.put("event", "synced").put("source", s.source());
      case ClusterEvent.WatchRestarted w -> out.put("event", "watch-restarted").put("resources", w.resources()).put("reason", w.reason());
    }
    publish(system, out);
  }

  /** A certificate issued to {@code identity}, valid until {@code validUntil}. */
  public static void certified(ActorSystem<?> system, String identity, Instant validUntil) {
    publish(system, JSON.createObjectNode().put("kind", "certificate").put("identity", identity).put("validUntil", validUntil.toString()));
  }

  private static void publish(ActorSystem<?> system, ObjectNode event) {
    system.eventStream().tell(new EventStream.Publish<>(new FeedEvent(event.toString())));
  }
}
