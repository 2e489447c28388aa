package io.weft.streams.service;

/**
 * One concern of the request path (metrics, a queue, a balancer, header rules, later retries,
 * timeouts, authorization) wrapped around the service it serves. Layers compose outside-in:
 * {@code a.andThen(b).wrap(s)} is {@code a.wrap(b.wrap(s))}, so a request meets {@code a} first.
 */
@FunctionalInterface
public interface Layer<Q, R> {
  Service<Q, R> wrap(Service<Q, R> inner);

  default Layer<Q, R> andThen(Layer<Q, R> inner) {
    return service -> wrap(inner.wrap(service));
  }
}
