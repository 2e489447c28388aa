package io.weft.streams.balance;

import org.junit.jupiter.api.Test;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.SplittableRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The balancer in a discrete-event simulation: a virtual clock, seeded randomness, a fixed number
 * of concurrent callers, each endpoint answering after its own latency. Deterministic, and
 * independent of how loaded the test machine is.
 */
class P2cBalancerTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);

  /** Virtual time, advanced by the simulation. */
  private long now = 0;

  private record Completion(long at, P2cBalancer.Endpoint<String> endpoint, long sentAt) {}

  private Map<String, Integer> simulate(P2cBalancer<String> balancer, Map<String, Long> latency, int concurrency, int requests) {
    Map<String, Integer> picks = new HashMap<>();
    PriorityQueue<Completion> inFlight = new PriorityQueue<>((x, y) -> Long.compare(x.at(), y.at()));
    int sent = 0;
    while (sent < requests || !inFlight.isEmpty()) {
      while (sent < requests && inFlight.size() < concurrency) {
        var endpoint = balancer.pick().orElseThrow();
        long sentAt = endpoint.load().started();
        picks.merge(endpoint.id(), 1, Integer::sum);
        inFlight.add(new Completion(now + latency.get(endpoint.id()), endpoint, sentAt));
        sent++;
      }
      Completion done = inFlight.poll();
      now = done.at();
      done.endpoint().load().completed(done.sentAt());
    }
    return picks;
  }

  private P2cBalancer<String> balancer(long seed) {
    return new P2cBalancer<>(30 * MS, TimeUnit.SECONDS.toNanos(10), () -> now, new SplittableRandom(seed));
  }

  @Test
  void aSlowEndpointAmongFastOnesGetsFewRequests() {
    Map<String, Long> latency = new HashMap<>();
    IntStream.range(0, 9).forEach(i -> latency.put("fast-" + i, 5 * MS));
    latency.put("slow", 500 * MS);
    P2cBalancer<String> balancer = balancer(7);
    balancer.update(latency.keySet());
    Map<String, Integer> picks = simulate(balancer, latency, 20, 20_000);
    double slowShare = picks.getOrDefault("slow", 0) / 20_000.0;
    assertThat(slowShare).isLessThan(0.02); // the issue asks for <= 10%; a random pick would give 10%
    assertThat(slowShare).isGreaterThan(0.0); // it is still probed as its estimate decays
    // The fast ones share the rest about evenly.
    picks.remove("slow");
    int min = picks.values().stream().mapToInt(Integer::intValue).min().orElseThrow();
    int max = picks.values().stream().mapToInt(Integer::intValue).max().orElseThrow();
    assertThat(max - min).isLessThan(max / 4);
  }

  @Test
  void removedEndpointsAreNeverPickedAndKeptOnesKeepTheirEstimates() {
    P2cBalancer<String> balancer = balancer(1);
    balancer.update(List.of("a", "b", "c"));
    var a = balancer.pick().orElseThrow();
    a.load().started(); // a request in flight on whichever was picked
    balancer.update(List.of("a", "b", "c").stream().filter(id -> !id.equals(a.id())).toList());
    for (int i = 0; i < 1000; i++) {
      assertThat(balancer.pick().orElseThrow().id()).isNotEqualTo(a.id());
    }
    assertThat(a.load().pending()).isEqualTo(1); // its in-flight request is still accounted for
  }

  @Test
  void noEndpointsMeansNoPickAndOneMeansThatOne() {
    P2cBalancer<String> balancer = balancer(3);
    assertThat(balancer.pick()).isEmpty();
    balancer.update(List.of("only"));
    assertThat(balancer.pick().orElseThrow().id()).isEqualTo("only");
  }
}
