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
    return new P2cBalancer<>(30 * MS, TimeUnit.SECONDS.toNanos(10), new P2cBalancer.Backoff(100 * MS, 1000 * MS),
        () -> now, new SplittableRandom(seed));
  }

  private static P2cBalancer.Endpoint<String> endpoint(P2cBalancer<String> balancer, String id) {
    for (int i = 0; ; i++) {
      var picked = balancer.pick().orElseThrow();
      if (picked.id().equals(id)) {
        return picked;
      }
      if (i > 10_000) {
        throw new AssertionError(id + " is never picked");
      }
    }
  }

  private static long picksOf(P2cBalancer<String> balancer, String id, int picks) {
    return IntStream.range(0, picks).filter(i -> balancer.pick().orElseThrow().id().equals(id)).count();
  }

  @Test
  void anUnreachableEndpointIsSkippedForABackoffThatDoublesAndResetsOnSuccess() {
    P2cBalancer<String> balancer = balancer(3);
    balancer.update(List.of("a", "b", "c"));
    var dead = endpoint(balancer, "b");

    dead.unreachable();
    assertThat(picksOf(balancer, "b", 1000)).isZero();
    now += 100 * MS; // the first backoff has passed: it is tried again
    assertThat(picksOf(balancer, "b", 1000)).isPositive();

    dead.unreachable(); // second failure in a row: 200 ms
    now += 150 * MS;
    assertThat(picksOf(balancer, "b", 1000)).isZero();
    now += 50 * MS;
    assertThat(picksOf(balancer, "b", 1000)).isPositive();

    for (int i = 0; i < 40; i++) {
      dead.unreachable(); // capped at the maximum, not overflowing
    }
    now += 999 * MS;
    assertThat(picksOf(balancer, "b", 1000)).isZero();
    now += MS;
    dead.reachable(); // it answered: back at once, and the next failure starts from the minimum again
    assertThat(picksOf(balancer, "b", 1000)).isPositive();
    dead.unreachable();
    now += 100 * MS;
    assertThat(picksOf(balancer, "b", 1000)).isPositive();
  }

  @Test
  void aRequestSentAgainAvoidsTheEndpointItFailedOn() {
    P2cBalancer<String> balancer = balancer(9);
    balancer.update(List.of("a", "b", "c"));
    var failed = endpoint(balancer, "a");
    for (int i = 0; i < 1000; i++) {
      assertThat(balancer.pickAvoiding(failed).orElseThrow().id()).isNotEqualTo("a");
    }
    balancer.update(List.of("a"));
    assertThat(balancer.pickAvoiding(failed).orElseThrow().id()).isEqualTo("a"); // the only one left
  }

  @Test
  void whenEveryEndpointIsUnreachableOneIsStillPicked() {
    P2cBalancer<String> balancer = balancer(5);
    balancer.update(List.of("a", "b"));
    endpoint(balancer, "a").unreachable();
    endpoint(balancer, "b").unreachable();
    assertThat(balancer.pick()).isPresent();
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

  @Test
  void failureAccrualEjectsAnEndpointAfterConsecutiveFailuresAndTriesItAgainAfterItsPenalty() {
    P2cBalancer<String> balancer = new P2cBalancer<>(30 * MS, 10_000 * MS, new P2cBalancer.Backoff(100 * MS, 1_000 * MS),
        () -> now, new SplittableRandom(7));
    balancer.update(List.of("healthy", "failing"));
    // Off until the policy turns it on: failures alone eject nothing.
    var failing = endpoint(balancer, "failing");
    for (int i = 0; i < 10; i++) {
      failing.answered(true);
    }
    assertThat(failing.ejected()).isFalse();

    balancer.failureAccrual(new P2cBalancer.FailureAccrual(3, 1_000 * MS, 8_000 * MS, 0));
    failing.answered(false);
    failing.answered(true);
    failing.answered(true);
    assertThat(failing.ejected()).as("two in a row is not yet three").isFalse();
    failing.answered(true);
    assertThat(failing.ejected()).isTrue();
    // While ejected, every pick is the other endpoint.
    for (int i = 0; i < 100; i++) {
      assertThat(balancer.pick().orElseThrow().id()).isEqualTo("healthy");
    }
    // After the penalty it is tried again; one more failure ejects it for twice as long.
    now += 1_000 * MS;
    assertThat(failing.ejected()).isFalse();
    failing.answered(true);
    now += 1_999 * MS;
    assertThat(failing.ejected()).isTrue();
    now += 1 * MS;
    assertThat(failing.ejected()).isFalse();
    // A success brings it back for good: the next failure starts counting from zero.
    failing.answered(false);
    failing.answered(true);
    assertThat(failing.ejected()).isFalse();
  }
}
