package io.weft.streams.queue;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

import static org.assertj.core.api.Assertions.assertThat;

/** A timer's timeouts on futures, on the virtual timer: they fire only when time passes, and never after the future is done. */
class TimerTest {
  private final FailfastQueueTest.VirtualTimer timer = new FailfastQueueTest.VirtualTimer();

  @Test
  void aFutureNotDoneInTimeIsCompletedWithTheValue() {
    CompletableFuture<String> future = timer.completeAfter(new CompletableFuture<>(), "late", Duration.ofSeconds(3));
    timer.advance(Duration.ofSeconds(2));
    assertThat(future).isNotDone();
    timer.advance(Duration.ofSeconds(1));
    assertThat(future).isCompletedWithValue("late");
  }

  @Test
  void aFutureNotDoneInTimeFailsWithATimeout() {
    CompletableFuture<String> future = timer.failAfter(new CompletableFuture<>(), Duration.ofSeconds(3));
    timer.advance(Duration.ofSeconds(3));
    assertThat(future).isCompletedExceptionally();
    assertThat(future.exceptionNow()).isInstanceOf(TimeoutException.class).hasMessageContaining("PT3S");
  }

  @Test
  void aFutureDoneInTimeKeepsItsValueAndItsTimerIsCancelled() {
    CompletableFuture<String> future = timer.failAfter(new CompletableFuture<>(), Duration.ofSeconds(3));
    future.complete("answer");
    assertThat(timer.pending).singleElement().satisfies(pending -> assertThat(pending.cancelled()[0]).isTrue());
    timer.advance(Duration.ofSeconds(5));
    assertThat(future).isCompletedWithValue("answer");
  }

  @Test
  void aFutureAlreadyDoneSchedulesNothing() {
    CompletableFuture<String> done = CompletableFuture.completedFuture("now");
    assertThat(timer.completeAfter(done, "late", Duration.ofSeconds(1))).isSameAs(done);
    assertThat(timer.pending).isEmpty();
  }
}
