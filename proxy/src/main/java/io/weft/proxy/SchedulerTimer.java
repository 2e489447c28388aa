package io.weft.proxy;

import io.weft.streams.queue.Timer;
import org.apache.pekko.actor.typed.ActorSystem;

/** The proxy's {@link Timer}: Pekko's scheduler, tasks run on the proxy's dispatcher. */
public final class SchedulerTimer {
  private SchedulerTimer() {}

  public static Timer of(ActorSystem<?> system) {
    return (delay, task) -> {
      var scheduled = system.scheduler().scheduleOnce(delay, task, system.executionContext());
      return scheduled::cancel;
    };
  }
}
