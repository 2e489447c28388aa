package io.weft.proxy.route;

import io.weft.streams.http.Request;

import java.time.Duration;
import java.util.Optional;
import java.util.function.Predicate;

/**
 * One of a ServiceProfile's routes as the proxy uses it: which requests it takes, how its answers
 * are classified, whether they may be retried, and how long they may take (retries included).
 * {@code name} is its {@code rt_route} metric label.
 */
public record ProfileRoute(String name, Predicate<Request> condition, ResponseClasses classes, boolean retryable,
                           Optional<Duration> timeout) {
  /** What a request no route matches gets: no timeout, no retries, the default classification. */
  public static final ProfileRoute DEFAULT = new ProfileRoute("", request -> true, ResponseClasses.DEFAULT, false, Optional.empty());
}
