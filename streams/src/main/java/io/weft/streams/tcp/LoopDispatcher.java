package io.weft.streams.tcp;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.dispatch.Dispatcher;
import org.apache.pekko.dispatch.Dispatchers;
import org.apache.pekko.dispatch.MessageDispatcher;
import org.apache.pekko.dispatch.MessageDispatcherConfigurator;
import scala.concurrent.duration.Duration;
import scala.concurrent.duration.FiniteDuration;

import java.util.List;
import java.util.Map;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A Pekko dispatcher whose threads are the system's event loops, as Netty runs a channel's
 * pipeline on its I/O thread: each stream graph runs on one loop, after what the loop is doing,
 * and its connections are that loop's. With one loop (a sidecar's default) the hand-offs of a
 * request — bytes read to the connection's graph, the request to the upstream connection's graph,
 * the answer back — are queue entries on one thread instead of wake-ups of another: on one or two
 * cores each wake-up is a context switch. Used where {@code pekko.stream.materializer.dispatcher}
 * names {@link #ID} (the proxy).
 */
final class LoopDispatcher {
  /** The dispatcher's id, registered by {@link EventLoops} when the system's loops start. */
  static final String ID = "weft.streams.tcp.loop-dispatcher";

  private LoopDispatcher() {}

  static void register(ActorSystem system, EventLoop[] loops) {
    Dispatchers dispatchers = system.dispatchers();
    Config base = system.settings().config().getConfig("pekko.actor.default-dispatcher");
    Config config = ConfigFactory.parseMap(Map.of("id", ID)).withFallback(base);
    int throughput = base.getInt("throughput");
    FiniteDuration shutdownTimeout = FiniteDuration.fromNanos(base.getDuration("shutdown-timeout").toNanos());
    dispatchers.registerConfigurator(ID, new MessageDispatcherConfigurator(config, dispatchers.prerequisites()) {
      private final MessageDispatcher dispatcher = new Dispatcher(this, ID, throughput, Duration.Zero(),
          (id, threadFactory) -> () -> new OnLoops(loops), shutdownTimeout);

      @Override
      public MessageDispatcher dispatcher() {
        return dispatcher;
      }
    });
  }

  /** Tasks (actors' mailboxes) spread over the loops, each always to the same one. */
  private static final class OnLoops extends AbstractExecutorService {
    private final EventLoop[] loops;

    OnLoops(EventLoop[] loops) {
      this.loops = loops;
    }

    @Override
    public void execute(Runnable task) {
      // An actor's mailbox is one object for its life, so a graph always runs on the same loop —
      // the one its connections register with (TcpStage), whose thread alone touches them. With
      // one loop (a proxy's default) there is nothing to pick, and no identity hash per schedule (a
      // JFR profile put 6 % of an HTTP/1.1 proxy's samples on that hash; an A/B could not tell).
      EventLoop loop = loops.length == 1 ? loops[0] : loops[Math.floorMod(System.identityHashCode(task), loops.length)];
      loop.submit(task);
    }

    // The loops are the event loops' to stop, with the system: the dispatcher does not own them.
    @Override
    public void shutdown() {}

    @Override
    public List<Runnable> shutdownNow() {
      return List.of();
    }

    @Override
    public boolean isShutdown() {
      return false;
    }

    @Override
    public boolean isTerminated() {
      return false;
    }

    @Override
    public boolean awaitTermination(long timeout, TimeUnit unit) {
      return true;
    }
  }
}
