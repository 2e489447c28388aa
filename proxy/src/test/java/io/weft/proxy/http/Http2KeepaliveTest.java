package io.weft.proxy.http;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class Http2KeepaliveTest {
  private static Optional<Duration> timeout(long intervalMs, long timeoutMs) {
    return new Http2Keepalive(Optional.of(Duration.ofMillis(intervalMs)), Optional.of(Duration.ofMillis(timeoutMs))).pekkoTimeout();
  }

  @Test
  void theTimeoutIsTheLongestEvenPartOfTheIntervalNoLongerThanAsked() {
    // Linkerd's injected defaults: Pekko refuses 3 s against 10 s.
    assertThat(timeout(10_000, 3_000)).contains(Duration.ofMillis(2_500));
    assertThat(timeout(10_000, 5_000)).contains(Duration.ofMillis(5_000));
    assertThat(timeout(10_000, 20_000)).contains(Duration.ofMillis(5_000));
    assertThat(timeout(7, 3)).contains(Duration.ofMillis(1));
    assertThat(new Http2Keepalive(Optional.empty(), Optional.of(Duration.ofSeconds(3))).pekkoTimeout()).isEmpty();
    assertThat(Http2Keepalive.NONE.pekkoTimeout()).isEmpty();
  }
}
