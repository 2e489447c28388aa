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

class TerminationTest {
  static ActorSystem system;
  static Materializer materializer;

  @BeforeAll
  static void start() {
    system = ActorSystem.create("termination");
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
      Termination.whenDone(done, failure -> told.complete(new Object[] {Thread.currentThread().getName(), failure}));
      return mat;
    }).toMat(Sink.ignore(), Keep.left()).run(materializer);
    return told;
  }

  @Test
  void aCompletedStreamIsToldWithNoFailureOnTheStreamsThreadNotTheCommonPool() throws Exception {
    Object[] told = endOf(Source.range(1, 3)).get(10, TimeUnit.SECONDS);

    assertThat(told[1]).isNull();
    // done.whenComplete(…) ran this as a task on the JDK's common pool.
    assertThat((String) told[0]).doesNotContain("commonPool").contains("termination");
  }

  @Test
  void aFailedStreamIsToldItsFailure() throws Exception {
    Object[] told = endOf(Source.<Integer>failed(new IllegalStateException("broken"))).get(10, TimeUnit.SECONDS);

    assertThat((Throwable) told[1]).hasMessage("broken");
    assertThat((String) told[0]).doesNotContain("commonPool");
  }

  @Test
  void aPlainCompletionStageIsToldOnTheThreadThatCompletesIt() throws Exception {
    CompletableFuture<String> done = new CompletableFuture<>();
    CompletableFuture<String> toldOn = new CompletableFuture<>();
    Termination.whenDone(done, failure -> toldOn.complete(Thread.currentThread().getName()));

    Thread completer = Thread.ofPlatform().name("completer").start(() -> done.complete("ok"));
    completer.join();

    assertThat(toldOn.get(10, TimeUnit.SECONDS)).isEqualTo("completer");
  }
}
