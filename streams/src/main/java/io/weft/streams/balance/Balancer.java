package io.weft.streams.balance;

import io.weft.streams.http.ProxyResponses;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.http.ProxyError;
import io.weft.streams.service.Failures;
import io.weft.streams.service.Service;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;
import java.util.function.Predicate;

/**
 * Sends each request to the endpoint {@link P2cBalancer} picks and feeds the time to its response
 * head back into that endpoint's load. An endpoint that refuses the connection is skipped for a
 * backoff, and a request that got no answer goes to another endpoint when that is safe (nothing
 * was sent, or it is idempotent with its body in hand), so a dead pod that discovery still lists
 * costs no more than the requests in flight on it. The endpoint a request went to is attached to
 * it (as a {@link P2cBalancer.Endpoint}) for the layers outside.
 *
 * @param <E> what identifies an endpoint
 */
public final class Balancer<E> implements Service<Request, Response> {
  /** An answer from this status on counts against the endpoint (failure accrual). */
  private static final int SERVER_ERROR = 500;
  private final P2cBalancer<E> p2c;
  private final Function<E, Service<Request, Response>> endpoints;
  private final Predicate<Throwable> refused;

  /**
   * {@code endpoints}: each endpoint's service; {@code refused}: whether a failure means nothing of
   * the request reached the endpoint (it could not be connected to).
   */
  public Balancer(P2cBalancer<E> p2c, Function<E, Service<Request, Response>> endpoints, Predicate<Throwable> refused) {
    this.p2c = p2c;
    this.endpoints = endpoints;
    this.refused = refused;
  }

  @Override
  public CompletionStage<Response> call(Request request) {
    return attempt(request, p2c.size(), null);
  }

  private CompletionStage<Response> attempt(Request request, int attemptsLeft, P2cBalancer.Endpoint<E> failed) {
    Optional<P2cBalancer.Endpoint<E>> picked = p2c.pickAvoiding(failed);
    if (picked.isEmpty()) {
      return CompletableFuture.completedFuture(ProxyResponses.error(ProxyError.LOAD_SHED, request));
    }
    P2cBalancer.Endpoint<E> endpoint = picked.get();
    request.put(P2cBalancer.Endpoint.class, endpoint);
    long sentAt = endpoint.load().started();
    return endpoints.apply(endpoint.id()).call(request).handle((response, error) -> {
      if (error == null) {
        endpoint.load().completed(sentAt); // sampled at the response head
        endpoint.reachable();
        endpoint.answered(response.status() >= SERVER_ERROR);
        return CompletableFuture.completedFuture(response);
      }
      endpoint.load().abandoned();
      endpoint.answered(true);
      Throwable cause = Failures.cause(error);
      boolean nothingSent = refused.test(cause);
      if (nothingSent) {
        endpoint.unreachable();
      }
      if (attemptsLeft > 1 && request.body().replayable() && (nothingSent || request.idempotent())) {
        return attempt(request, attemptsLeft - 1, endpoint);
      }
      return CompletableFuture.<Response>failedFuture(cause);
    }).thenCompose(response -> response);
  }
}
