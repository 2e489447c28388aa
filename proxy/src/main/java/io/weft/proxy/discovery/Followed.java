package io.weft.proxy.discovery;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import io.weft.streams.queue.Timer;
import org.apache.pekko.stream.UniqueKillSwitch;

/**
 * What discovery follows for one authority over one control-plane stream (its endpoints, its
 * profile, its outbound policy): when it was last asked for, whether a request is using it, whether the control plane
 * has answered, and when discovery lets it go.
 */
public abstract sealed class Followed permits Resolution, LatestAnswer {
  private final CompletableFuture<Void> answered = new CompletableFuture<>();
  private final CompletableFuture<Void> dropped = new CompletableFuture<>();
  private final AtomicInteger held = new AtomicInteger();
  private volatile long lastUsed;
  private volatile boolean connected;

  /** Whether the control plane answers on the stream now: since its last message, until the stream breaks. */
  public boolean connected() {
    return connected;
  }

  void connected(boolean now) {
    connected = now;
  }

  void touch(long now) {
    lastUsed = now;
  }

  /** A request is using it: it is kept however long that takes. */
  public void hold() {
    held.incrementAndGet();
  }

  public void release() {
    held.decrementAndGet();
  }

  /** Unused since before {@code cutoff} (on the discovery's clock) and with no request holding it. */
  boolean idleSince(long cutoff) {
    return lastUsed - cutoff < 0 && held.get() == 0;
  }

  /** Completes with the control plane's first answer about this authority. */
  public CompletionStage<Void> answered() {
    return answered;
  }

  /**
   * Completes with the first answer, or after {@code wait} without one: a new authority is given
   * that long before it is taken for something the control plane does not know (and once that
   * wait has passed, nobody waits for it again).
   */
  public CompletionStage<Void> answeredWithin(Duration wait, Timer timer) {
    return timer.completeAfter(answered, null, wait);
  }

  final void markAnswered() {
    answered.complete(null);
  }

  /** Completes when discovery stops following the authority; whoever built on it lets go then. */
  public CompletionStage<Void> dropped() {
    return dropped;
  }

  void drop() {
    dropped.complete(null);
  }

  /** The stream (re)connected: the next message is the whole state. */
  abstract void reconnected();

  /** What is followed and the stream that feeds it; closing stops the stream and lets go of the target. */
  public record Stream<F extends Followed>(F target, UniqueKillSwitch feed) {
    public void close() {
      feed.shutdown();
      target.drop();
    }
  }
}
