package io.weft.streams.tcp;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.pekko.actor.ActorSystem;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.File;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** A listener on the event loop when the process runs out of file descriptors. */
class TcpListenerTest {
  /** Linux's RLIMIT_NOFILE. */
  private static final int RLIMIT_NOFILE = 7;
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  static ActorSystem system;
  static EventLoops loops;

  @BeforeAll
  static void start() {
    system = ActorSystem.create("tcp-listener-test");
    loops = EventLoops.get(system);
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  private static long count(ListAppender<ILoggingEvent> log, Level level, String text) {
    return log.list.stream().filter(e -> e.getLevel() == level && e.getFormattedMessage().contains(text)).count();
  }

  @Test
  void outOfFileDescriptorsAListenerPausesInsteadOfSpinningAndAcceptsOnceItHasThemAgain() throws Throwable {
    Logger logger = (Logger) LoggerFactory.getLogger(TcpListener.class);
    Level level = logger.getLevel();
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    logger.addAppender(log);
    logger.setLevel(Level.DEBUG);
    List<SocketChannel> accepted = new CopyOnWriteArrayList<>();
    TcpListener.Binding binding = TcpListener.bind(loops, new InetSocketAddress("127.0.0.1", 0), 16, system.dispatcher(),
        accepted::add);
    Linker linker = Linker.nativeLinker();
    FunctionDescriptor rlimit = FunctionDescriptor.of(ValueLayout.JAVA_INT, ValueLayout.JAVA_INT, ValueLayout.ADDRESS);
    MethodHandle get = linker.downcallHandle(linker.defaultLookup().find("getrlimit").orElseThrow(), rlimit);
    MethodHandle set = linker.downcallHandle(linker.defaultLookup().find("setrlimit").orElseThrow(), rlimit);
    try (Arena arena = Arena.ofConfined(); Socket client = new Socket()) {
      MemorySegment limits = arena.allocate(2 * Long.BYTES);
      assertThat((int) get.invoke(RLIMIT_NOFILE, limits)).isZero();
      long soft = limits.get(ValueLayout.JAVA_LONG, 0);
      client.bind(new InetSocketAddress("127.0.0.1", 0)); // the client's descriptor, before there are none left
      try {
        // Every descriptor in use (the listing's own is closed again): the accept has none left.
        limits.set(ValueLayout.JAVA_LONG, 0, new File("/proc/self/fd").list().length - 1);
        assertThat((int) set.invoke(RLIMIT_NOFILE, limits)).isZero();
        client.connect(binding.localAddress(), (int) PATIENCE.toMillis());
        // The accept fails, then fails again after each pause: one warning, not one per spin.
        await().atMost(PATIENCE).until(() -> count(log, Level.DEBUG, "still cannot accept") >= 2);
        assertThat(accepted).isEmpty();
      } finally {
        limits.set(ValueLayout.JAVA_LONG, 0, soft);
        set.invoke(RLIMIT_NOFILE, limits);
      }
      await().atMost(PATIENCE).until(() -> accepted.size() == 1);
      assertThat(count(log, Level.WARN, "could not accept a connection")).isEqualTo(1);
      assertThat(count(log, Level.INFO, "accepts again after")).isEqualTo(1);
    } finally {
      logger.detachAppender(log);
      logger.setLevel(level);
      accepted.forEach(channel -> {
        try {
          channel.close();
        } catch (java.io.IOException ignored) {
          // closed already
        }
      });
      binding.unbind();
    }
  }
}
