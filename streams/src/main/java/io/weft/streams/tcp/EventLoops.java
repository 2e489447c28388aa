package io.weft.streams.tcp;

import com.typesafe.config.Config;
import org.apache.pekko.actor.AbstractExtensionId;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.actor.ExtendedActorSystem;
import org.apache.pekko.actor.Extension;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * An actor system's event loops ({@code weft.streams.tcp}), shared by all its connections and
 * closed with it; each new channel goes to the next loop in turn. Starting them registers
 * {@link #DISPATCHER}, which runs stream graphs on the loops themselves (see {@link LoopDispatcher}).
 */
public final class EventLoops implements Extension {
  private static final Id ID = Id.MODULE$;
  /** The id of the dispatcher on the loops: a system that names it for its streams starts its loops first. */
  public static final String DISPATCHER = LoopDispatcher.ID;

  private final EventLoop[] loops;
  private final AtomicInteger next = new AtomicInteger();
  private final int readHighWater;
  private final int writeBatch;
  private final java.time.Duration acceptPause;

  private EventLoops(ActorSystem system) {
    Config config = system.settings().config().getConfig("weft.streams.tcp");
    int readBuffer = Math.toIntExact(config.getBytes("read-buffer"));
    readHighWater = Math.toIntExact(config.getBytes("read-high-water"));
    writeBatch = Math.toIntExact(config.getBytes("write-batch"));
    acceptPause = config.getDuration("accept-pause");
    loops = new EventLoop[config.getInt("event-loops")];
    java.util.Set<java.nio.channels.SelectableChannel> arriving = java.util.concurrent.ConcurrentHashMap.newKeySet();
    if (loops.length < 1) {
      throw new IllegalArgumentException("weft.streams.tcp.event-loops must be at least 1, is " + loops.length);
    }
    for (int i = 0; i < loops.length; i++) {
      loops[i] = new EventLoop(system.name() + "-io-" + i, readBuffer, arriving);
    }
    LoopDispatcher.register(system, loops);
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

  /** The loop whose thread calls, when it is one of these (not another system's), else null. */
  EventLoop current() {
    EventLoop here = EventLoop.ofThisThread();
    for (EventLoop loop : loops) {
      if (loop == here) {
        return loop;
      }
    }
    return null;
  }

  /** Bytes a connection collects in one turn of its loop before it takes no more until they are written. */
  int writeBatch() {
    return writeBatch;
  }

  /** How long a listener stops accepting after an accept failed ({@code weft.streams.tcp.accept-pause}). */
  public java.time.Duration acceptPause() {
    return acceptPause;
  }

  /** Unconsumed bytes read from one connection before it is read no more. */
  public int readHighWater() {
    return readHighWater;
  }

  /**
   * The extension's id. Named first in {@code pekko.library-extensions} (as weft-proxy.conf does),
   * it starts the loops with the system — Pekko finds the one instance through {@code MODULE$}, as
   * it finds a Scala object — so a system whose streams run on {@link #DISPATCHER} has it before
   * Pekko's own SystemMaterializer starts an actor there.
   */
  public static final class Id extends AbstractExtensionId<EventLoops> {
    public static final Id MODULE$ = new Id();

    private Id() {}

    @Override
    public EventLoops createExtension(ExtendedActorSystem system) {
      return new EventLoops(system);
    }
  }
}
