package io.weft.streams.queue;

import io.weft.streams.http.ProxyError;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * The queue in front of a backend. Requests wait (up to {@code capacity}) while no endpoint is
 * ready; if none becomes ready within the failfast timeout the queue enters fail-fast, failing the
 * waiting requests and every new one at once, until an endpoint is ready again. Beyond
 * {@code maxInFlight} requests (dispatched and waiting) new ones are shed. Callers must
 * {@link #release()} each admitted request when it ends.
 */
public final class FailfastQueue {
  /** What became of a request: admitted to an endpoint, or answered by the proxy. */
  public sealed interface Admission {
    record Admitted() implements Admission {}

    record Refused(ProxyError error) implements Admission {}
  }

  private static final Admission ADMITTED = new Admission.Admitted();
  private static final Admission FAIL_FAST = new Admission.Refused(ProxyError.FAIL_FAST);
  private static final Admission LOAD_SHED = new Admission.Refused(ProxyError.LOAD_SHED);

  private final int capacity;
  private final int maxInFlight;
  private final Duration failfastTimeout;
  private final Timer timer;
  private final ArrayDeque<CompletableFuture<Admission>> waiting = new ArrayDeque<>();
  private int inFlight;
  private boolean ready;
  private boolean failFast;
  private Runnable cancelTimer;

  public FailfastQueue(int capacity, int maxInFlight, Duration failfastTimeout, Timer timer) {
    this.capacity = capacity;
    this.maxInFlight = maxInFlight;
    this.failfastTimeout = failfastTimeout;
    this.timer = timer;
  }

  public synchronized CompletionStage<Admission> admit() {
    if (inFlight + waiting.size() >= maxInFlight) {
      return CompletableFuture.completedFuture(LOAD_SHED);
    }
    if (ready) {
      inFlight++;
      return CompletableFuture.completedFuture(ADMITTED);
    }
    if (failFast) {
      return CompletableFuture.completedFuture(FAIL_FAST);
    }
    if (waiting.size() >= capacity) {
      return CompletableFuture.completedFuture(LOAD_SHED);
    }
    CompletableFuture<Admission> admission = new CompletableFuture<>();
    waiting.add(admission);
    if (cancelTimer == null) {
      cancelTimer = timer.schedule(failfastTimeout, this::failfastTimeoutElapsed);
    }
    return admission;
  }

  /** Discovery or the balancer reports whether any endpoint can take requests. */
  public synchronized void readiness(boolean anyReady) {
    ready = anyReady;
    if (!anyReady) {
      return;
    }
    failFast = false;
    stopTimer();
    while (!waiting.isEmpty()) {
      inFlight++;
      waiting.poll().complete(ADMITTED);
    }
  }

  /** An admitted request has ended. */
  public synchronized void release() {
    inFlight--;
  }

  public synchronized boolean inFailFast() {
    return failFast;
  }

  /** Requests admitted and not yet released, plus those waiting. */
  public synchronized int inFlight() {
    return inFlight + waiting.size();
  }

  public synchronized int waiting() {
    return waiting.size();
  }

  private synchronized void failfastTimeoutElapsed() {
    cancelTimer = null;
    if (ready) {
      return;
    }
    failFast = true;
    while (!waiting.isEmpty()) {
      waiting.poll().complete(FAIL_FAST);
    }
  }

  private void stopTimer() {
    if (cancelTimer != null) {
      cancelTimer.run();
      cancelTimer = null;
    }
  }
}
