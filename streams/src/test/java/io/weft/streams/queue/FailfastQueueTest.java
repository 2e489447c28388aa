package io.weft.streams.queue;

import io.weft.streams.http.ProxyError;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

import static org.assertj.core.api.Assertions.assertThat;

/** With a virtual timer that the test fires, so no test waits on a wall clock. */
class FailfastQueueTest {
  /** Timers that fire only when the test says time has passed. */
  static final class VirtualTimer implements Timer {
    record Pending(long at, Runnable task, boolean[] cancelled) {}

    long now;
    final List<Pending> pending = new ArrayList<>();

    @Override
    public Runnable schedule(Duration delay, Runnable task) {
      boolean[] cancelled = {false};
      pending.add(new Pending(now + delay.toMillis(), task, cancelled));
      return () -> cancelled[0] = true;
    }

    void advance(Duration d) {
      now += d.toMillis();
      List<Pending> due = pending.stream().filter(p -> p.at() <= now).toList();
      pending.removeAll(due);
      due.stream().filter(p -> !p.cancelled()[0]).forEach(p -> p.task().run());
    }
  }

  private final VirtualTimer timer = new VirtualTimer();
  private final FailfastQueue queue = new FailfastQueue(3, 5, Duration.ofSeconds(3), timer);

  private static FailfastQueue.Admission now(CompletionStage<FailfastQueue.Admission> stage) {
    CompletableFuture<FailfastQueue.Admission> f = stage.toCompletableFuture();
    assertThat(f).isDone();
    return f.join();
  }

  @Test
  void requestsWaitForAReadyEndpoint() {
    var first = queue.admit().toCompletableFuture();
    assertThat(first).isNotDone();
    timer.advance(Duration.ofSeconds(2));
    queue.readiness(true);
    assertThat(now(first)).isInstanceOf(FailfastQueue.Admission.Admitted.class);
    assertThat(now(queue.admit())).isInstanceOf(FailfastQueue.Admission.Admitted.class);
    // The timer was cancelled: nothing fails later.
    timer.advance(Duration.ofSeconds(10));
    assertThat(queue.inFailFast()).isFalse();
  }

  @Test
  void noReadyEndpointWithinTheTimeoutIsFailFastUntilOneIsReady() {
    var waiting = queue.admit().toCompletableFuture();
    timer.advance(Duration.ofMillis(2999));
    assertThat(waiting).isNotDone();
    timer.advance(Duration.ofMillis(1));
    assertThat(now(waiting)).isEqualTo(new FailfastQueue.Admission.Refused(ProxyError.FAIL_FAST));
    assertThat(now(queue.admit())).isEqualTo(new FailfastQueue.Admission.Refused(ProxyError.FAIL_FAST));
    assertThat(ProxyError.FAIL_FAST.httpStatus()).isEqualTo(504);
    assertThat(ProxyError.FAIL_FAST.message()).isEqualTo("service in fail-fast");

    queue.readiness(true); // recovery is immediate
    assertThat(queue.inFailFast()).isFalse();
    assertThat(now(queue.admit())).isInstanceOf(FailfastQueue.Admission.Admitted.class);
  }

  @Test
  void aFullQueueAndTooManyInFlightAreShed() {
    for (int i = 0; i < 3; i++) {
      assertThat(queue.admit().toCompletableFuture()).isNotDone();
    }
    assertThat(now(queue.admit())).isEqualTo(new FailfastQueue.Admission.Refused(ProxyError.LOAD_SHED));
    queue.readiness(true); // the three are dispatched
    assertThat(now(queue.admit())).isInstanceOf(FailfastQueue.Admission.Admitted.class);
    assertThat(now(queue.admit())).isInstanceOf(FailfastQueue.Admission.Admitted.class);
    // Five in flight: the sixth is shed with 503 until one ends.
    assertThat(now(queue.admit())).isEqualTo(new FailfastQueue.Admission.Refused(ProxyError.LOAD_SHED));
    assertThat(ProxyError.LOAD_SHED.httpStatus()).isEqualTo(503);
    queue.release();
    assertThat(now(queue.admit())).isInstanceOf(FailfastQueue.Admission.Admitted.class);
  }
}
