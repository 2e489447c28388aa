package io.weft.streams.stage;

import org.apache.pekko.dispatch.ExecutionContexts;
import scala.concurrent.ExecutionContext;
import scala.jdk.javaapi.FutureConverters;

import java.util.concurrent.CompletionStage;
import java.util.function.Consumer;

/**
 * What to do when a stream ends, told on the thread that ends it.
 *
 * <p>Why not {@code done.whenComplete(…)} on what javadsl's {@code watchTermination} gives: that
 * stage is a Scala future's Java view, which runs even a non-async callback as a task on the JDK's
 * common pool — a thread woken per connection or stream only to run a few lines. The view is
 * unwrapped back to its Scala future here and the callback runs where the future is completed.
 */
public final class Termination {
  private static final ExecutionContext ON_THE_COMPLETING_THREAD = ExecutionContexts.fromExecutor(Runnable::run);

  private Termination() {}

  /** Runs {@code ended} once {@code done} completes: with null if it completed, else with its failure. */
  public static void whenDone(CompletionStage<?> done, Consumer<Throwable> ended) {
    FutureConverters.asScala(done).onComplete(outcome -> {
      ended.accept(outcome.isFailure() ? outcome.failed().get() : null);
      return null;
    }, ON_THE_COMPLETING_THREAD);
  }
}
