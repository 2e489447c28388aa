package io.weft.streams.stage;

import org.apache.pekko.dispatch.ExecutionContexts;
import scala.concurrent.ExecutionContext;
import scala.jdk.javaapi.FutureConverters;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * A javadsl future as a plain {@link CompletableFuture}, completed on the thread that settles it.
 *
 * <p>Why: what Pekko's javadsl hands out ({@code watchTermination}'s future, {@code Sink.head}'s,
 * …) is a Scala future's Java view, which runs even a non-async callback ({@code thenApply},
 * {@code whenComplete}) as a task on the JDK's common pool — a thread woken only to run a few
 * lines. The view is unwrapped back to its Scala future here, and the plain future is completed
 * where that one is (a stream's own thread), so callbacks on it run there.
 */
public final class PlainFuture {
  /** Runs a Scala future's callbacks where it is completed (Handoff's too). */
  static final ExecutionContext ON_THE_COMPLETING_THREAD = ExecutionContexts.fromExecutor(Runnable::run);

  private PlainFuture() {}

  public static <T> CompletableFuture<T> of(CompletionStage<T> stage) {
    CompletableFuture<T> plain = new CompletableFuture<>();
    FutureConverters.asScala(stage).onComplete(outcome -> {
      if (outcome.isSuccess()) {
        plain.complete(outcome.get());
      } else {
        plain.completeExceptionally(outcome.failed().get());
      }
      return null;
    }, ON_THE_COMPLETING_THREAD);
    return plain;
  }
}
