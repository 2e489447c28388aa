package io.weft.streams.stage;

import org.apache.pekko.Done;
import org.apache.pekko.stream.stage.AsyncCallback;

import java.util.function.Consumer;

/**
 * Hands an event to a stage from outside its graph and learns whether the stage took it.
 *
 * <p>Why not {@code FutureConverters.asJava(callback.invokeWithFeedback(e)).whenComplete(…)}: the
 * converted future runs every non-async callback through {@code whenCompleteAsync}, a task on
 * the JDK's common pool — a thread woken per request only to learn that nothing went wrong. Here
 * the outcome is seen on the thread that settles it (the stage's, once it has run the event).
 */
public final class Handoff {
  private Handoff() {}

  /** Hands {@code event} to {@code stage}; if the stage has stopped (or stops before taking it), {@code ifStopped} gets why. */
  public static <T> void invoke(AsyncCallback<T> stage, T event, Consumer<Throwable> ifStopped) {
    stage.invokeWithFeedback(event).onComplete(outcome -> {
      if (outcome.isFailure()) {
        ifStopped.accept(outcome.failed().get());
      }
      return Done.getInstance();
    }, PlainFuture.ON_THE_COMPLETING_THREAD);
  }
}
