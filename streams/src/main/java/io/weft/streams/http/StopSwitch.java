package io.weft.streams.http;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/** The {@link StopSignal} a server's owner fires, once, to stop it gracefully. */
public final class StopSwitch implements StopSignal {
  private final Set<Runnable> listening = ConcurrentHashMap.newKeySet();
  private volatile boolean stopped;

  /**
   * Added before the switch is checked, so a stop that comes meanwhile tells the connection either
   * way — perhaps twice, which a connection takes as once.
   */
  @Override
  public Subscription subscribe(Runnable whenStopping) {
    listening.add(whenStopping);
    if (stopped) {
      whenStopping.run();
    }
    return () -> listening.remove(whenStopping);
  }

  /** Tells every connection listening now, and every one that listens later. */
  public void stop() {
    stopped = true;
    listening.forEach(Runnable::run);
  }

  /** Whether {@link #stop} has been called. */
  public boolean stopped() {
    return stopped;
  }

  /** How many connections listen now (each forgets the switch when it ends). */
  public int listening() {
    return listening.size();
  }
}
