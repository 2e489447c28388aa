package io.weft.streams.detect;

import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.OverflowStrategy;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.stream.javadsl.SourceQueueWithComplete;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import static org.assertj.core.api.Assertions.assertThat;

class ServerFirstProbeTest {
  private static final ActorSystem system = ActorSystem.create("probe-test");
  private static final Flow<ByteString, ByteString, ?> DETECT = Flow.of(ByteString.class).map(b -> ByteString.fromString("detected:").concat(b));

  @AfterAll
  static void stop() {
    system.terminate();
  }

  /** The client's side of a connection through the probe: what it sends, and what comes back. */
  private static Pair<SourceQueueWithComplete<ByteString>, SinkQueueWithCancel<ByteString>> connect(
      Duration quietFor, Supplier<Flow<ByteString, ByteString, ?>> opaque, Runnable onServerFirst) {
    return Source.<ByteString>queue(16, OverflowStrategy.backpressure())
        .via(ServerFirstProbe.around(DETECT, quietFor, opaque, onServerFirst))
        .toMat(Sink.queue(), org.apache.pekko.stream.javadsl.Keep.both())
        .run(system);
  }

  private static String next(SinkQueueWithCancel<ByteString> from) throws Exception {
    Optional<ByteString> bytes = from.pull().toCompletableFuture().get(10, TimeUnit.SECONDS);
    return bytes.map(ByteString::utf8String).orElse("<end>");
  }

  @Test
  void aServerThatSpeaksFirstMakesTheConnectionItsRelay() throws Exception {
    CountDownLatch serverFirst = new CountDownLatch(1);
    // The relay greets, then echoes what the client sends.
    var client = connect(Duration.ofMillis(1), () -> Flow.of(ByteString.class).prepend(Source.single(ByteString.fromString("220 hello"))),
        serverFirst::countDown);
    assertThat(next(client.second())).isEqualTo("220 hello");
    assertThat(serverFirst.await(10, TimeUnit.SECONDS)).isTrue();
    client.first().offer(ByteString.fromString("EHLO"));
    assertThat(next(client.second())).isEqualTo("EHLO");
    client.first().complete();
    assertThat(next(client.second())).isEqualTo("<end>");
  }

  @Test
  void aClientThatSpeaksFirstIsDetectedAndNoRelayIsMade() throws Exception {
    AtomicInteger relays = new AtomicInteger();
    var client = connect(Duration.ofMinutes(1), () -> {
      relays.incrementAndGet();
      return Flow.of(ByteString.class);
    }, () -> { });
    client.first().offer(ByteString.fromString("GET /"));
    assertThat(next(client.second())).isEqualTo("detected:GET /");
    client.first().offer(ByteString.fromString(" HTTP/1.1"));
    assertThat(next(client.second())).isEqualTo("detected: HTTP/1.1");
    assertThat(relays).hasValue(0);
  }

  @Test
  void aClientThatSpeaksWhileTheServerIsSilentIsDetectedAndTheEarlyRelayClosed() throws Exception {
    CountDownLatch relayMade = new CountDownLatch(1);
    CountDownLatch relayClosed = new CountDownLatch(1);
    var client = connect(Duration.ofMillis(1), () -> {
      relayMade.countDown();
      // A server that waits for its client: says nothing until its input ends.
      return Flow.fromSinkAndSourceCoupled(Sink.<ByteString>ignore().mapMaterializedValue(done -> {
        done.whenComplete((d, e) -> relayClosed.countDown());
        return done;
      }), Source.<ByteString>maybe());
    }, () -> { });
    assertThat(relayMade.await(10, TimeUnit.SECONDS)).isTrue();
    client.first().offer(ByteString.fromString("GET /"));
    assertThat(next(client.second())).isEqualTo("detected:GET /");
    assertThat(relayClosed.await(10, TimeUnit.SECONDS)).as("the unused relay is closed").isTrue();
  }

  @Test
  void aRelayThatCannotConnectLeavesTheConnectionToDetection() throws Exception {
    var client = connect(Duration.ofMillis(1),
        () -> Flow.fromSinkAndSource(Sink.ignore(), Source.failed(new java.net.ConnectException("refused"))), () -> { });
    client.first().offer(ByteString.fromString("PING"));
    assertThat(next(client.second())).isEqualTo("detected:PING");
  }
}
