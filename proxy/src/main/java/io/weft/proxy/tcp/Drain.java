package io.weft.proxy.tcp;

import io.weft.streams.http.StopSignal;
import io.weft.streams.http.StopSwitch;
import io.weft.streams.queue.SchedulerTimer;
import io.weft.streams.queue.Timer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Extension;
import org.apache.pekko.actor.typed.ExtensionId;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The connections a proxy's listeners accepted, for a graceful stop (SIGTERM, as Linkerd's proxy
 * drains). {@link #drain} tells the HTTP servers on them to stop (the {@link StopSignal}: an HTTP/1
 * connection closes behind the answer in hand, at once when idle; an HTTP/2 one sends GOAWAY and
 * closes when its streams are done) and completes once the last connection has closed its socket —
 * after its last bytes went out, so nothing answered is cut — or when the grace period ends. Opaque
 * relays end when their peers end them. One per actor system, so both listeners count into it.
 */
public final class Drain implements Extension {
  private static final ExtensionId<Drain> ID = new ExtensionId<>() {
    @Override
    public Drain createExtension(ActorSystem<?> system) {
      return new Drain(SchedulerTimer.of(system));
    }
  };

  private final AtomicInteger open = new AtomicInteger();
  private final StopSwitch servers = new StopSwitch();
  private final CompletableFuture<Boolean> idle = new CompletableFuture<>();
  private final Timer timer;

  private Drain(Timer timer) {
    this.timer = timer;
  }

  public static Drain get(ActorSystem<?> system) {
    return ID.apply(system);
  }

  /** A connection was accepted: it counts as open until {@link #closed}. */
  void opened() {
    open.incrementAndGet();
  }

  /** An accepted connection's socket closed. */
  void closed() {
    if (open.decrementAndGet() == 0 && servers.stopped()) {
      idle.complete(true);
    }
  }

  /** What the proxy's HTTP servers listen to for the drain. */
  public StopSignal servers() {
    return servers;
  }

  /** How many accepted connections are open now. */
  public int open() {
    return open.get();
  }

  /**
   * Tells the servers to stop and completes with true once no accepted connection is open, or with
   * false after {@code grace} with some still open.
   */
  public CompletionStage<Boolean> drain(Duration grace) {
    servers.stop();
    if (open.get() == 0) {
      idle.complete(true);
    }
    return timer.completeAfter(idle, false, grace);
  }
}
