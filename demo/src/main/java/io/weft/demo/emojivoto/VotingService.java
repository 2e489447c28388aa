package io.weft.demo.emojivoto;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * Counts votes: {@code POST /vote?choice=:x:} and {@code GET /results}. Like the original app, it
 * fails every vote for {@code :doughnut:} on purpose, so there is an error rate to find.
 */
public final class VotingService extends HttpWorkload {
  static final String BROKEN_CHOICE = ":doughnut:";

  private final Map<String, LongAdder> votes = new ConcurrentHashMap<>();

  public VotingService(InetSocketAddress listen, InetSocketAddress outboundProxy) {
    super(listen, outboundProxy);
    route("/vote", exchange -> {
      String choice = query(exchange, "choice");
      if (choice.equals(BROKEN_CHOICE)) {
        reply(exchange, 500, "{\"error\":\"ERROR\"}");
        return;
      }
      votes.computeIfAbsent(choice, c -> new LongAdder()).increment();
      reply(exchange, 200, "{\"ok\":true}");
    });
    route("/results", exchange -> {
      StringBuilder json = new StringBuilder("{");
      votes.forEach((k, v) -> json.append(json.length() > 1 ? "," : "").append('"').append(k).append("\":").append(v.sum()));
      reply(exchange, 200, json.append('}').toString());
    });
  }
}
