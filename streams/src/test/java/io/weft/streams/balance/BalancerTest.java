package io.weft.streams.balance;

import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.http1.ConnectFailedException;
import io.weft.streams.http1.ConnectionClosedException;
import io.weft.streams.service.Service;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class BalancerTest {
  private final AtomicLong clock = new AtomicLong(1);
  private final P2cBalancer<String> p2c = new P2cBalancer<>(30_000_000, 10_000_000_000L,
      new P2cBalancer.Backoff(100_000_000, 10_000_000_000L), clock::get, new SplittableRandom(7));
  private final List<String> calls = new ArrayList<>();

  private Service<Request, Response> endpoint(String name, Throwable failure) {
    return request -> {
      calls.add(name);
      return failure == null ? CompletableFuture.completedFuture(new Response(200, null, HttpVersion.HTTP_1_1, new Headers(),
          Body.EMPTY)) : CompletableFuture.failedFuture(failure);
    };
  }

  private static Request request(String method) {
    return new Request(method, "/", "svc", HttpVersion.HTTP_1_1, new Headers(), Body.EMPTY);
  }

  @Test
  void anEndpointThatCannotBeConnectedToIsSkippedAndTheRequestGoesToAnother() {
    Map<String, Service<Request, Response>> endpoints = Map.of(
        "dead", endpoint("dead", new ConnectFailedException("refused", null)), "live", endpoint("live", null));
    p2c.update(List.of("dead", "live"));
    Balancer<String> balancer = new Balancer<>(p2c, endpoints::get, e -> e instanceof ConnectFailedException);
    for (int i = 0; i < 20; i++) {
      Request r = request("POST");
      assertThat(balancer.call(r).toCompletableFuture().join().status()).isEqualTo(200);
      assertThat(r.get(P2cBalancer.Endpoint.class).id()).isEqualTo("live");
    }
    // The dead one was tried at most once: then it backs off.
    assertThat(calls.stream().filter("dead"::equals).count()).isLessThanOrEqualTo(1);
  }

  @Test
  void aRequestThatMayHaveBeenSentIsRetriedOnlyWhenIdempotent() {
    ConnectionClosedException broke = new ConnectionClosedException("closed before the response", true, null);
    Map<String, Service<Request, Response>> endpoints = Map.of("a", endpoint("a", broke), "b", endpoint("b", broke));
    p2c.update(List.of("a", "b"));
    Balancer<String> balancer = new Balancer<>(p2c, endpoints::get, e -> e instanceof ConnectFailedException);
    assertThat(balancer.call(request("POST")).toCompletableFuture()).isCompletedExceptionally();
    assertThat(calls).hasSize(1);
    calls.clear();
    assertThat(balancer.call(request("GET")).toCompletableFuture()).isCompletedExceptionally();
    assertThat(calls).containsExactlyInAnyOrder("a", "b"); // once on each, never past the endpoint count
  }
}
