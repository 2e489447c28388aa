package io.weft.streams.tcp;

import com.typesafe.config.Config;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * An actor system's event loops ({@code weft.streams.tcp}), shared by all its connections and
 * closed with it; each new channel goes to the next loop in turn.
 */
public final class EventLoops implements Extension {
  private static final Id ID = new Id();

  private final EventLoop[] loops;
  private final AtomicInteger next = new AtomicInteger();
  private final int readHighWater;
  private final java.time.Duration acceptPause;

  private EventLoops(ActorSystem system) {
    Config config = system.settings().config().getConfig("weft.streams.tcp");
    int readBuffer = Math.toIntExact(config.getBytes("read-buffer"));
    readHighWater = Math.toIntExact(config.getBytes("read-high-water"));
    acceptPause = config.getDuration("accept-pause");
    loops = new EventLoop[config.getInt("event-loops")];
    java.util.Set<java.nio.channels.SelectableChannel> arriving = java.util.concurrent.ConcurrentHashMap.newKeySet();
    if (loops.length < 1) {
      throw new IllegalArgumentException("weft.streams.tcp.event-loops must be at least 1, is " + loops.length);
    }
    for (int i = 0; i < loops.length; i++) {
      loops[i] = new EventLoop(system.name() + "-io-" + i, readBuffer, arriving);
    }
    system.registerOnTermination(() -> {
      for (EventLoop loop : loops) {
        loop.close();
      }
    });
  }

  /** The system's event loops, started on first use. */
  public static EventLoops get(ActorSystem system) {
    return ID.get(system);
  }

  /** The loop for a new channel. */
  public EventLoop next() {
    return loops[Math.floorMod(next.getAndIncrement(), loops.length)];
  }

  /** Unconsumed bytes read from one connection before it is read no more. */
  /** How long a listener stops accepting after an accept failed ({@code weft.streams.tcp.accept-pause}). */
  public java.time.Duration acceptPause() {
    return acceptPause;
  }

  public int readHighWater() {
    return readHighWater;
  }

  private static final class Id extends AbstractExtensionId<EventLoops> {
    @Override
    public EventLoops createExtension(ExtendedActorSystem system) {
      return new EventLoops(system);
    }
  }
}
