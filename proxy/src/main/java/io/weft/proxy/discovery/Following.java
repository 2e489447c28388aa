package io.weft.proxy.discovery;

import io.weft.proxy.config.ProxyConfig;
import io.weft.streams.stage.PlainFuture;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.StreamTimeoutException;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Keeps one control-plane stream running into what follows it — discovery's endpoints, profiles
 * and policies, the inbound policy of a port — asking again with backoff whenever it ends or
 * fails, and again when it breaks the receive limits.
 */
public final class Following {
  private static final Logger log = LoggerFactory.getLogger(Following.class);

  /** The reconnect backoff and the streams' receive limits. */
  public record Limits(Duration minBackoff, Duration maxBackoff, ProxyConfig.ControlStream stream) {}

  private Following() {}

  /** A {@link LatestAnswer} fed by {@code open}'s stream for as long as it is followed. */
  public static <T> Followed.Stream<LatestAnswer<T>> latest(ActorSystem<?> system, Limits limits, String what,
                                                           Supplier<Source<T, NotUsed>> open) {
    LatestAnswer<T> answer = new LatestAnswer<>();
    return follow(system, limits, what, answer, open, answer::apply,
        () -> answer.current().isPresent() ? "the answer known" : "no answer yet");
  }

  /**
   * Runs {@code open}'s stream into {@code apply} for as long as {@code target} is followed, asking
   * again with backoff whenever it ends or fails.
   */
  public static <T, F extends Followed> Followed.Stream<F> follow(ActorSystem<?> system, Limits limits, String what, F target,
                                                                  Supplier<Source<T, NotUsed>> open, Consumer<T> apply,
                                                                  Supplier<String> known) {
    // Restarts are routine while the control plane is away; Pekko's own line for each (WARN, with a
    // stack trace) would flood the log of a proxy following many authorities. Instead: one line
    // when a stream that worked breaks, one when it answers again.
    RestartSettings restart = RestartSettings.create(limits.minBackoff(), limits.maxBackoff(), 0.2)
        .withLogSettings(RestartSettings.createLogSettings(Logging.DebugLevel()));
    AtomicBoolean answering = new AtomicBoolean(true);
    ProxyConfig.ControlStream stream = limits.stream();
    // At the end of its lifetime, or past a receive limit, the stream ends and is asked for again.
    UniqueKillSwitch feed = RestartSource.withBackoff(restart, () -> {
          target.reconnected();
          return open.get().initialTimeout(stream.initialTimeout()).idleTimeout(stream.idleTimeout())
              .takeWithin(stream.lifetime())
              .recoverWithRetries(1, StreamTimeoutException.class, () -> {
                log.debug("asking for the {} again: its stream broke a receive limit", what);
                return Source.empty();
              })
              .map(update -> {
                target.connected(true);
                if (!answering.getAndSet(true)) {
                  log.info("the control plane answers for the {} again", what);
                }
                return update;
              })
              .watchTermination((notUsed, done) -> {
                PlainFuture.of(done).whenComplete((d, error) -> {
                  if (error != null) {
                    target.connected(false);
                  }
                  // A stream ended by this proxy's own shutdown is not a lost one.
                  boolean stopping = error instanceof org.apache.pekko.stream.AbruptStageTerminationException
                      || system.whenTerminated().isCompleted();
                  if (error != null && !stopping && answering.getAndSet(false)) {
                    log.warn("lost the stream for the {} ({}): asking again with backoff, using {}",
                        what, error.getMessage(), known.get());
                  }
                });
                return notUsed;
              });
        })
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.foreach(apply::accept), Keep.left())
        .run(system);
    log.debug("following the {}", what);
    return new Followed.Stream<>(target, feed);
  }
}
