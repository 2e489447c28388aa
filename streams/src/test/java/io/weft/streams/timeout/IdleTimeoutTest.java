package io.weft.streams.timeout;

import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.StreamIdleTimeoutException;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class IdleTimeoutTest {
  private static final ActorSystem SYSTEM = ActorSystem.create("idle-timeout-test");

  @AfterAll
  static void stop() {
    SYSTEM.terminate();
  }

  private static Request request() {
    return new Request("GET", "/", "api", HttpVersion.HTTP_1_1, new Headers(), Body.EMPTY);
  }

  private static ByteString drain(Response response) throws Exception {
    Body.Streamed body = (Body.Streamed) response.body();
    return body.bytes().runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), SYSTEM).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  @Test
  void aResponseBodyThatStopsIsCutAndOneThatKeepsFlowingIsNot() throws Exception {
    IdleTimeout idle = new IdleTimeout(Duration.ofSeconds(1));
    // A first chunk, then nothing: never completes on its own.
    Response stalled = idle.wrap(r -> CompletableFuture.completedFuture(new Response(200, null, HttpVersion.HTTP_1_1, new Headers(),
        new Body.Streamed(Source.single(ByteString.fromString("a")).concat(Source.maybe()), -1)))).call(request())
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThatThrownBy(() -> drain(stalled)).isInstanceOf(ExecutionException.class)
        .hasCauseInstanceOf(StreamIdleTimeoutException.class);

    // Chunks 1.5 s apart in all, but never a second apart.
    Response flowing = idle.wrap(r -> CompletableFuture.completedFuture(new Response(200, null, HttpVersion.HTTP_1_1, new Headers(),
        new Body.Streamed(Source.range(1, 15).throttle(1, Duration.ofMillis(100)).map(i -> ByteString.fromString("x")), 15))))
        .call(request()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(drain(flowing).utf8String()).isEqualTo("x".repeat(15));

    Response strict = idle.wrap(r -> CompletableFuture.completedFuture(new Response(200, null, HttpVersion.HTTP_1_1, new Headers(),
        Body.of(ByteString.fromString("in hand"))))).call(request()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(strict.body()).isInstanceOf(Body.Strict.class);
  }
}
