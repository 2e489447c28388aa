package io.weft.streams.stage;

import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.AbruptStageTerminationException;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class TallyTest {
  static ActorSystem system;
  static Materializer materializer;

  @BeforeAll
  static void start() {
    system = ActorSystem.create("tally");
    materializer = Materializer.matFromSystem(system);
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  /** What a tally was told: the bytes that passed, each end, and the thread the end was told on. */
  static final class Told implements Tally.Listener {
    long bytes;
    final List<Throwable> ends = new CopyOnWriteArrayList<>();
    final CompletableFuture<Thread> endedOn = new CompletableFuture<>();

    @Override
    public void passed(int n) {
      bytes += n;
    }

    @Override
    public void ended(Throwable failure) {
      ends.add(failure == null ? new NoFailure() : failure);
      endedOn.complete(Thread.currentThread());
    }
  }

  static final class NoFailure extends Throwable {}

  @Test
  void countsWhatPassesUnchangedAndToldItsCompletionOnceOnTheStreamsThread() throws Exception {
    Told told = new Told();
    List<ByteString> out = Source.from(List.of(ByteString.fromString("ab"), ByteString.fromString("cde")))
        .via(Tally.of(told)).runWith(Sink.seq(), materializer).toCompletableFuture().get(10, TimeUnit.SECONDS);

    assertThat(out).containsExactly(ByteString.fromString("ab"), ByteString.fromString("cde"));
    Thread thread = told.endedOn.get(10, TimeUnit.SECONDS);
    assertThat(told.bytes).isEqualTo(5);
    assertThat(told.ends).hasSize(1).first().isInstanceOf(NoFailure.class);
    // watchTermination's Java future ran its callbacks as tasks on the JDK's common pool.
    assertThat(thread.getName()).doesNotContain("commonPool");
  }

  @Test
  void aFailureIsToldWithItsCause() throws Exception {
    Told told = new Told();
    IOException broken = new IOException("connection reset");
    Source.<ByteString>failed(broken).via(Tally.of(told)).runWith(Sink.ignore(), materializer);

    told.endedOn.get(10, TimeUnit.SECONDS);
    assertThat(told.ends).containsExactly(broken);
  }

  @Test
  void aReaderThatStopsEndsItWithoutAFailure() throws Exception {
    Told told = new Told();
    Source.repeat(ByteString.fromString("x")).via(Tally.of(told)).take(3).runWith(Sink.ignore(), materializer);

    told.endedOn.get(10, TimeUnit.SECONDS);
    assertThat(told.ends).hasSize(1).first().isInstanceOf(NoFailure.class);
    assertThat(told.bytes).isGreaterThanOrEqualTo(3);
  }

  @Test
  void aStreamTornDownAroundItIsAnAbruptEnd() {
    Materializer own = Materializer.createMaterializer(system);
    Told told = new Told();
    Source.<ByteString>never().via(Tally.of(told)).runWith(Sink.ignore(), own);
    own.shutdown();

    await().atMost(10, TimeUnit.SECONDS).until(() -> !told.ends.isEmpty());
    assertThat(told.ends).hasSize(1).first().isInstanceOf(AbruptStageTerminationException.class);
  }

  @Test
  void onEndTellsOnlyTheEnd() throws Exception {
    CompletableFuture<Throwable> ended = new CompletableFuture<>();
    Source.single(ByteString.fromString("abc")).via(Tally.onEnd(failure -> ended.complete(failure)))
        .runWith(Sink.ignore(), materializer);

    assertThat(ended.get(10, TimeUnit.SECONDS)).isNull();
  }
}
