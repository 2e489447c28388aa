package io.weft.streams.retry;

import io.weft.streams.http.Request;
import io.weft.streams.http.Response;

import java.time.Duration;

/** Which requests a {@link Retry} may send again, and after which answers. */
public interface RetryPolicy {
  /** Whether {@code request} may be retried at all (its route allows it). */
  boolean retryable(Request request);

  /** Whether {@code response}, the answer to an attempt of {@code request}, calls for another attempt. */
  boolean retryOn(Request request, Response response);

  /** How many times one request may be retried, past the budget's own limit. */
  int maxRetries();

  /** How long to wait before retry number {@code retry} (0 for the first); none by default. */
  default Duration backoff(int retry) {
    return Duration.ZERO;
  }
}
