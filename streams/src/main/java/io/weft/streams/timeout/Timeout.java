package io.weft.streams.timeout;

import io.weft.streams.http.Bodies;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.ProxyError;
import io.weft.streams.http.ProxyResponses;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.queue.Timer;
import io.weft.streams.service.Layer;
import io.weft.streams.service.Service;
import org.apache.pekko.stream.Materializer;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * Answers a request whose response head has not come within its timeout with Linkerd's
 * {@code 504 response timeout} ({@code DEADLINE_EXCEEDED} for gRPC). The timeout is the route's,
 * shortened by the caller's {@code grpc-timeout} when that is sooner. An answer that comes after
 * the timeout is let go.
 */
public final class Timeout implements Layer<Request, Response> {
  private final Function<Request, Optional<Duration>> routeTimeout;
  private final Timer timer;
  private final Materializer materializer;

  public Timeout(Function<Request, Optional<Duration>> routeTimeout, Timer timer, Materializer materializer) {
    this.routeTimeout = routeTimeout;
    this.timer = timer;
    this.materializer = materializer;
  }

  @Override
  public Service<Request, Response> wrap(Service<Request, Response> inner) {
    return request -> {
      Optional<Duration> limit = earlier(routeTimeout.apply(request), GrpcTimeout.parse(request.headers().get(GrpcTimeout.HEADER)));
      if (limit.isEmpty()) {
        return inner.call(request);
      }
      // The layers below may change the request (its version, between proxies); the answer is in the caller's.
      HttpVersion version = request.version();
      CompletableFuture<Response> answer = new CompletableFuture<>();
      Runnable cancel = timer.schedule(limit.get(),
          () -> answer.complete(ProxyResponses.error(ProxyError.RESPONSE_TIMEOUT, request).version(version)));
      inner.call(request).whenComplete((response, error) -> {
        cancel.run();
        boolean used = error != null ? answer.completeExceptionally(error) : answer.complete(response);
        if (!used && response != null) {
          Bodies.discard(response.body(), materializer);
        }
      });
      return answer;
    };
  }

  private static Optional<Duration> earlier(Optional<Duration> a, Optional<Duration> b) {
    if (a.isEmpty()) {
      return b;
    }
    return b.isPresent() && b.get().compareTo(a.get()) < 0 ? b : a;
  }
}
