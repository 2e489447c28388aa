package io.weft.streams.retry;

import io.weft.streams.http.Bodies;
import io.weft.streams.http.Body;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.queue.Timer;
import io.weft.streams.service.Layer;
import io.weft.streams.service.Service;
import org.apache.pekko.stream.Materializer;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Sends a request again when its policy says the answer calls for it (up to its count) and the
 * {@link RetryBudget}, if any, has a retry to spend, as Linkerd retries: a request's body is held (up to
 * {@code maxBufferedBytes}) so it can be replayed, and one with a longer body is sent once. Each
 * attempt is a fresh copy of the request as it came, since the layers below change what they are
 * given; the answer that is not used is let go. {@code onNoBudget} hears of each retry the budget
 * refused (Linkerd's {@code route_retryable_total{skipped="no_budget"}}).
 */
public final class Retry implements Layer<Request, Response> {
  private final RetryPolicy policy;
  private final Optional<RetryBudget> budget;
  private final long maxBufferedBytes;
  private final Materializer materializer;
  private final Runnable onNoBudget;
  private final Timer timer;

  /**
   * {@code budget}: what limits retries beside the policy's count (none for a route's counted
   * retries); {@code timer}: waits out the policy's backoff between attempts.
   */
  public Retry(RetryPolicy policy, Optional<RetryBudget> budget, long maxBufferedBytes, Timer timer, Materializer materializer,
               Runnable onNoBudget) {
    this.policy = policy;
    this.timer = timer;
    this.budget = budget;
    this.maxBufferedBytes = maxBufferedBytes;
    this.materializer = materializer;
    this.onNoBudget = onNoBudget;
  }

  @Override
  public Service<Request, Response> wrap(Service<Request, Response> inner) {
    return request -> {
      if (!policy.retryable(request)) {
        return inner.call(request);
      }
      budget.ifPresent(RetryBudget::deposit);
      return Bodies.inHandUpTo(request.body(), maxBufferedBytes, materializer).thenCompose(body -> {
        if (!body.replayable()) {
          return inner.call(request.body(body));
        }
        return attempt(inner, request, body, policy.maxRetries());
      });
    };
  }

  private CompletionStage<Response> attempt(Service<Request, Response> inner, Request original, Body body, int retriesLeft) {
    Request attempt = retriesLeft > 0 ? original.copyWith(body) : original.body(body);
    return inner.call(attempt).thenCompose(response -> {
      if (retriesLeft == 0 || !policy.retryOn(original, response)) {
        return CompletableFuture.completedFuture(response);
      }
      if (budget.isPresent() && !budget.get().tryWithdraw()) {
        onNoBudget.run();
        return CompletableFuture.completedFuture(response);
      }
      Bodies.discard(response.body(), materializer);
      Duration wait = policy.backoff(policy.maxRetries() - retriesLeft);
      if (wait.isZero()) {
        return attempt(inner, original, body, retriesLeft - 1);
      }
      CompletableFuture<Void> waited = new CompletableFuture<>();
      timer.schedule(wait, () -> waited.complete(null));
      return waited.thenCompose(done -> attempt(inner, original, body, retriesLeft - 1));
    });
  }
}
