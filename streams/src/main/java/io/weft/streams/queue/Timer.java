package io.weft.streams.queue;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeoutException;

/**
 * Schedules a task; the proxy passes Pekko's scheduler, tests a virtual clock. Its timeouts on
 * futures stand in for CompletableFuture's own ({@code completeOnTimeout}, {@code orTimeout}), which
 * in JDK 25 start a thread of the JDK's common pool (its delay scheduler) and complete there, outside
 * the pools the proxy sizes.
 */
@FunctionalInterface
public interface Timer {
  /** Runs {@code task} after {@code delay}; the returned handle cancels it. */
  Runnable schedule(Duration delay, Runnable task);

  /** {@code future}, completed with {@code value} if it has not completed within {@code after}. */
  default <T> CompletableFuture<T> completeAfter(CompletableFuture<T> future, T value, Duration after) {
    return whenNotDone(future, after, () -> future.complete(value));
  }

  /** {@code future}, failed with a {@link TimeoutException} if it has not completed within {@code after}. */
  default <T> CompletableFuture<T> failAfter(CompletableFuture<T> future, Duration after) {
    return whenNotDone(future, after, () -> future.completeExceptionally(new TimeoutException("not done within " + after)));
  }

  private <T> CompletableFuture<T> whenNotDone(CompletableFuture<T> future, Duration after, Runnable timedOut) {
    if (!future.isDone()) {
      Runnable cancel = schedule(after, timedOut);
      future.whenComplete((value, error) -> cancel.run());
    }
    return future;
  }
}
