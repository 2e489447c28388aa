package io.weft.streams.stage;

import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class PlainFutureTest {
  static ActorSystem system;
  static Materializer materializer;

  @BeforeAll
  static void start() {
    system = ActorSystem.create("plain-future");
    materializer = Materializer.matFromSystem(system);
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  /** Runs {@code source} through watchTermination and says on which thread, and with what, its end was told. */
  private static CompletableFuture<Object[]> endOf(Source<Integer, ?> source) {
    CompletableFuture<Object[]> told = new CompletableFuture<>();
    source.watchTermination((mat, done) -> {
      PlainFuture.of(done).whenComplete((d, failure) -> told.complete(new Object[] {Thread.currentThread().getName(), failure}));
      return mat;
    }).toMat(Sink.ignore(), Keep.left()).run(materializer);
    return told;
  }

  @Test
  void aCompletedStreamIsToldWithNoFailureOnTheStreamsThreadNotTheCommonPool() throws Exception {
    Object[] told = endOf(Source.range(1, 3)).get(10, TimeUnit.SECONDS);

    assertThat(told[1]).isNull();
    // done.whenComplete(…) ran this as a task on the JDK's common pool.
    assertThat((String) told[0]).doesNotContain("commonPool").contains("plain-future");
  }

  @Test
  void aFailedStreamIsToldItsFailure() throws Exception {
    Object[] told = endOf(Source.<Integer>failed(new IllegalStateException("broken"))).get(10, TimeUnit.SECONDS);

    assertThat((Throwable) told[1]).hasMessage("broken");
    assertThat((String) told[0]).doesNotContain("commonPool");
  }

  @Test
  void aSinksValueIsMappedOnTheStreamsThread() throws Exception {
    CompletableFuture<String> mappedOn = new CompletableFuture<>();
    // Sink.head's future, not yet complete when the mapping is attached: the element comes later.
    CompletableFuture<Integer> gate = new CompletableFuture<>();
    CompletableFuture<Integer> doubled = PlainFuture.of(Source.completionStage(gate).runWith(Sink.head(), materializer))
        .thenApply(first -> {
          mappedOn.complete(Thread.currentThread().getName());
          return first * 2;
        });
    gate.complete(21);

    assertThat(doubled.get(10, TimeUnit.SECONDS)).isEqualTo(42);
    assertThat(mappedOn.get()).doesNotContain("commonPool");
  }

  @Test
  void aPlainCompletionStageIsToldOnTheThreadThatCompletesIt() throws Exception {
    CompletableFuture<String> done = new CompletableFuture<>();
    CompletableFuture<String> toldOn = new CompletableFuture<>();
    PlainFuture.of(done).whenComplete((value, failure) -> toldOn.complete(Thread.currentThread().getName()));

    Thread completer = Thread.ofPlatform().name("completer").start(() -> done.complete("ok"));
    completer.join();

    assertThat(toldOn.get(10, TimeUnit.SECONDS)).isEqualTo("completer");
  }
}
