package io.weft.streams.service;

import java.util.concurrent.CompletionStage;

/**
 * Something that answers requests asynchronously: an endpoint's connection, a balancer over
 * endpoints, a whole proxy path. The request path is services wrapped in {@link Layer}s, as
 * linkerd2-proxy builds its stacks from tower services. A service never blocks the caller's thread.
 */
@FunctionalInterface
public interface Service<Q, R> {
  CompletionStage<R> call(Q request);
}
