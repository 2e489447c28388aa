package io.weft.actors.admin;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.linkerd.proxy.destination.GetDestination;
import io.linkerd.proxy.inbound.PortSpec;
import io.weft.actors.feed.FeedEvent;
import io.weft.actors.grpc.DestinationService;
import io.weft.actors.grpc.InboundPolicyService;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The control plane's diagnostics feed: {@code /feed} on the admin port, a WebSocket that streams
 * what the control plane serves as it changes, one JSON message each — the endpoint updates of each
 * {@code authority=NAME:PORT} asked for (what a proxy's {@code Destination.Get} receives) and the
 * policy of each {@code workload={"ns":…,"pod":…}&port=N} (what its {@code WatchPort} receives),
 * and with {@code events=true} the tail of what the node does ({@link FeedEvent}: input events as
 * they are applied, certificates issued), from the moment the socket opens.
 * Every message says its {@code kind} and what it is about; a query that asks for nothing, or a bad
 * one, gets one {@code error} message and the socket closes.
 */
public final class DiagnosticsFeed extends AllDirectives {
  private static final ObjectMapper JSON = new ObjectMapper();
  /** How many of the asked-for streams run at once: all of them, up to this. */
  private static final int MAX_STREAMS = 64;

  /** How many events a slow reader of the tail may fall behind before the oldest are dropped. */
  private static final int EVENT_BUFFER = 1024;

  private final org.apache.pekko.actor.typed.ActorSystem<?> system;
  private final DestinationService destination;
  private final InboundPolicyService inboundPolicies;

  public DiagnosticsFeed(org.apache.pekko.actor.typed.ActorSystem<?> system, DestinationService destination,
                         InboundPolicyService inboundPolicies) {
    this.system = system;
    this.destination = destination;
    this.inboundPolicies = inboundPolicies;
  }

  public Route route() {
    return path("feed", () -> parameterMultiMap(query -> {
      Source<String, NotUsed> feed = feed(query);
      Flow<Message, Message, NotUsed> socket = Flow.fromSinkAndSourceCoupled(Sink.<Message>ignore(),
          feed.<Message>map(TextMessage::create));
      return handleWebSocketMessages(socket);
    }));
  }

  /** The messages a query asks for. */
  Source<String, NotUsed> feed(Map<String, List<String>> query) {
    List<Source<String, NotUsed>> streams = new ArrayList<>();
    for (String authority : query.getOrDefault("authority", List.of())) {
      streams.add(destination.get(GetDestination.newBuilder().setPath(authority).build())
          .map(update -> message("endpoints", "authority", authority, "update", update)));
    }
    List<String> workloads = query.getOrDefault("workload", List.of());
    List<String> ports = query.getOrDefault("port", List.of());
    if (workloads.size() != ports.size()) {
      return error("each workload needs its port: workload={\"ns\":…,\"pod\":…}&port=N, as often as needed");
    }
    for (int i = 0; i < workloads.size(); i++) {
      String workload = workloads.get(i);
      int port;
      try {
        port = Integer.parseInt(ports.get(i));
      } catch (NumberFormatException e) {
        return error("port '" + ports.get(i) + "' is not a number");
      }
      streams.add(inboundPolicies.watchPort(PortSpec.newBuilder().setWorkload(workload).setPort(port).build())
          .map(server -> message("policy", "workload", workload + ":" + port, "server", server)));
    }
    if (query.getOrDefault("events", List.of()).contains("true")) {
      streams.add(events());
    }
    if (streams.isEmpty()) {
      return error("ask for authority=NAME:PORT, workload={\"ns\":…,\"pod\":…}&port=N or events=true");
    }
    // A stream that fails (an unknown authority, a missing pod) says why and leaves the others running.
    return Source.from(streams).flatMapMerge(MAX_STREAMS, s -> s.recover(new org.apache.pekko.japi.pf.PFBuilder<Throwable, String>()
        .match(Throwable.class, e -> errorText(e.getMessage())).build()));
  }

  /** The node's events from now on, the oldest dropped when the reader falls behind. */
  private Source<String, NotUsed> events() {
    return org.apache.pekko.stream.typed.javadsl.ActorSource.<FeedEvent>actorRef(e -> false, e -> java.util.Optional.empty(), EVENT_BUFFER,
            org.apache.pekko.stream.OverflowStrategy.dropHead())
        .mapMaterializedValue(listener -> {
          system.eventStream().tell(new org.apache.pekko.actor.typed.eventstream.EventStream.Subscribe<>(FeedEvent.class, listener));
          return listener;
        })
        .watchTermination((listener, done) -> {
          done.whenComplete((ok, error) -> system.eventStream()
              .tell(new org.apache.pekko.actor.typed.eventstream.EventStream.Unsubscribe<>(listener)));
          return NotUsed.notUsed();
        })
        .map(FeedEvent::json);
  }

  private static String message(String kind, String subjectField, String subject, String bodyField, com.google.protobuf.Message body) {
    ObjectNode out = JSON.createObjectNode().put("kind", kind).put(subjectField, subject);
    out.set(bodyField, ProtoJson.tree(body));
    return out.toString();
  }

  private static Source<String, NotUsed> error(String text) {
    return Source.single(errorText(text));
  }

  private static String errorText(String text) {
    return JSON.createObjectNode().put("kind", "error").put("message", String.valueOf(text)).toString();
  }
}
