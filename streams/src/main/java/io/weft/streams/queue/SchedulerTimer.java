package io.weft.streams.queue;

import org.apache.pekko.actor.ClassicActorSystemProvider;

/** A {@link Timer} on Pekko's scheduler: tasks run on the actor system's default dispatcher. */
public final class SchedulerTimer {
  private SchedulerTimer() {}

  public static Timer of(ClassicActorSystemProvider system) {
    var classic = system.classicSystem();
    return (delay, task) -> {
      var scheduled = classic.scheduler().scheduleOnce(delay, task, classic.dispatcher());
      return scheduled::cancel;
    };
  }
}
