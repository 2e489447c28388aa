package io.weft.proxy;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.function.Supplier;

/**
 * Start-up work done on a thread of its own beside the main thread. A proxy's start is cold,
 * single-threaded code (parsing settings, making a key pair, starting the actor system) while the
 * one or two cores a sidecar gets sit half idle; work that needs nothing from the rest runs here.
 */
final class Beside<T> {
  private final FutureTask<T> work;

  private Beside(FutureTask<T> work) {
    this.work = work;
  }

  static <T> Beside<T> start(String name, Supplier<T> work) {
    FutureTask<T> task = new FutureTask<>(work::get);
    Thread.ofPlatform().daemon().name("weft-start-" + name).start(task);
    return new Beside<>(task);
  }

  /** The work's result once it is done; its failure thrown as it was thrown, so start-up errors read the same. */
  T join() {
    try {
      return work.get();
    } catch (ExecutionException e) {
      switch (e.getCause()) {
        case RuntimeException failure -> throw failure;
        case Error failure -> throw failure;
        default -> throw new IllegalStateException(e.getCause());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting", e);
    }
  }
}
