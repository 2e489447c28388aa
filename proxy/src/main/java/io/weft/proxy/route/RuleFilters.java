package io.weft.proxy.route;

import io.weft.streams.http.ProxyResponses;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.service.Layer;
import io.weft.streams.service.Service;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A route rule's (or backend's) filters, in their order: request headers changed on the way,
 * redirects and injected failures answered here, response headers changed on the way back. A
 * redirect reads the {@link RouteMatch} the request was put under.
 */
public final class RuleFilters implements Layer<Request, Response> {
  /** The gRPC code of an injected failure on an HTTP route. */
  private static final int GRPC_INTERNAL = 13;
  /** The HTTP status of an injected failure on a gRPC route, for a caller that is not gRPC after all. */
  private static final int HTTP_INTERNAL = 500;

  private final List<RouteFilter> filters;
  private final boolean grpc;

  /** {@code grpc}: the filters are a gRPC route's, whose injected failures carry gRPC codes. */
  public RuleFilters(List<RouteFilter> filters, boolean grpc) {
    this.filters = filters;
    this.grpc = grpc;
  }

  @Override
  public Service<Request, Response> wrap(Service<Request, Response> inner) {
    if (filters.isEmpty()) {
      return inner;
    }
    List<RouteFilter.HeaderModifier> onResponse = filters.stream()
        .filter(f -> f instanceof RouteFilter.HeaderModifier m && m.response()).map(f -> (RouteFilter.HeaderModifier) f).toList();
    return request -> {
      for (RouteFilter filter : filters) {
        switch (filter) {
          case RouteFilter.HeaderModifier m when !m.response() -> m.apply(request.headers());
          case RouteFilter.Redirect r -> {
            String location = r.location(request, RequestParts.of(request), request.get(RouteMatch.class));
            return CompletableFuture.completedFuture(ProxyResponses.redirect(r.status(), location, request));
          }
          case RouteFilter.FailureInjector f when f.fires() -> {
            return CompletableFuture.completedFuture(grpc ? ProxyResponses.failure(HTTP_INTERNAL, f.status(), f.message(), request)
                : ProxyResponses.failure(f.status(), GRPC_INTERNAL, f.message(), request));
          }
          default -> { }
        }
      }
      CompletionStage<Response> response = inner.call(request);
      return onResponse.isEmpty() ? response : response.thenApply(r -> {
        onResponse.forEach(m -> m.apply(r.headers()));
        return r;
      });
    };
  }
}
