package io.weft.streams.tcp;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

import java.io.ByteArrayOutputStream;
import java.io.File;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.lang.invoke.MethodHandle;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** The event-loop TCP stage and listener over real sockets on loopback, against plain JDK sockets (and with no file descriptors left). */
class TcpStageTest {
  private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
  /** Linux's RLIMIT_NOFILE. */
  private static final int RLIMIT_NOFILE = 7;
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  static ActorSystem system;
  static EventLoops loops;

  @BeforeAll
  static void start() {
    system = ActorSystem.create("tcp-stage-test");
    loops = EventLoops.get(system);
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  /** An echo listener whose connections are the stage (accepted side) joined to {@code Flow.create()}. */
  private static TcpListener.Binding echo() throws Exception {
    return TcpListener.bind(loops, ANY_LOOPBACK, 16, system.dispatcher(),
        channel -> TcpStage.accepted(loops, channel).join(Flow.create()).run(system));
  }

  @Test
  void bytesGoBothWaysAndAHalfCloseIsAnsweredBeforeTheConnectionCloses() throws Exception {
    TcpListener.Binding binding = echo();
    try (Socket socket = new Socket("127.0.0.1", binding.localAddress().getPort())) {
      socket.getOutputStream().write("hello, ".getBytes(StandardCharsets.US_ASCII));
      socket.getOutputStream().write("loop".getBytes(StandardCharsets.US_ASCII));
      socket.shutdownOutput();
      // The echo's input ended, so its output ends after the last byte: the read ends, not hangs.
      assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("hello, loop");
    } finally {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void anOutgoingConnectionWritesReadsAndHalfClosesAgainstAJdkServer() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Thread.ofVirtual().start(() -> {
        try (Socket s = server.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
          byte[] all = in.readAllBytes(); // until the stage's half-close
          out.write(new String(all, StandardCharsets.US_ASCII).toUpperCase().getBytes(StandardCharsets.US_ASCII));
        } catch (Exception e) {
          // the test fails on what it reads
        }
      });
      var result = Source.from(java.util.List.of("abc", "def")).map(ByteString::fromString)
          .viaMat(TcpStage.outgoing(loops, new InetSocketAddress("127.0.0.1", server.getLocalPort()), Duration.ofSeconds(5), c -> {}),
              Keep.right())
          .toMat(Sink.fold(ByteString.emptyByteString(), ByteString::concat), Keep.both())
          .run(system);
      TcpStage.Connected connected = result.first().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThat(connected.remote().getPort()).isEqualTo(server.getLocalPort());
      assertThat(result.second().toCompletableFuture().get(10, TimeUnit.SECONDS).utf8String()).isEqualTo("ABCDEF");
    }
  }

  @Test
  void megabytesCrossASlowReaderWithoutLossOrReordering() throws Exception {
    TcpListener.Binding binding = echo();
    byte[] payload = new byte[8 * 1024 * 1024];
    for (int i = 0; i < payload.length; i++) {
      payload[i] = (byte) (i * 31 + (i >>> 12));
    }
    try {
      // Written in 64 KiB pieces, read back slowly: both socket buffers fill, so the stage waits for
      // the selector to say writable, and the echo's reads stop at the high-water mark.
      CompletionStage<ByteString> back = Source.range(0, payload.length / 65536 - 1)
          .map(i -> ByteString.fromArray(payload, i * 65536, 65536))
          .via(TcpStage.outgoing(loops, binding.localAddress(), Duration.ofSeconds(5), c -> {}))
          .throttle(64, Duration.ofMillis(10))
          .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), system);
      byte[] received = back.toCompletableFuture().get(60, TimeUnit.SECONDS).toArray();
      assertThat(received.length).isEqualTo(payload.length);
      assertThat(Arrays.equals(received, payload)).isTrue();
    } finally {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aRefusedConnectionFailsTheFlowAndItsMaterializedValueWithConnectException() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    var result = Source.<ByteString>maybe()
        .viaMat(TcpStage.outgoing(loops, new InetSocketAddress("127.0.0.1", closedPort), Duration.ofSeconds(5), c -> {}),
            Keep.right())
        .toMat(Sink.ignore(), Keep.both())
        .run(system);
    assertThatThrownBy(() -> result.first().toCompletableFuture().get(10, TimeUnit.SECONDS))
        .isInstanceOf(ExecutionException.class).hasCauseInstanceOf(ConnectException.class);
    assertThatThrownBy(() -> result.second().toCompletableFuture().get(10, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ConnectException.class);
  }

  @Test
  void aConnectionThatIsNotAcceptedInTimeIsGivenUp() throws Exception {
    // A listener that never accepts, its backlog full: the kernel drops further SYNs unanswered.
    try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      java.util.List<java.nio.channels.SocketChannel> queued = new java.util.ArrayList<>();
      try {
        for (int i = 0; i < 8; i++) {
          java.nio.channels.SocketChannel c = java.nio.channels.SocketChannel.open();
          c.configureBlocking(false);
          c.connect(server.getLocalSocketAddress());
          queued.add(c);
        }
        var connected = Source.<ByteString>maybe()
            .viaMat(TcpStage.outgoing(loops, (InetSocketAddress) server.getLocalSocketAddress(), Duration.ofMillis(300), c -> {}),
                Keep.right())
            .to(Sink.ignore()).run(system);
        assertThatThrownBy(() -> connected.toCompletableFuture().get(10, TimeUnit.SECONDS))
            .hasCauseInstanceOf(ConnectException.class).hasMessageContaining("timed out after 300 ms");
      } finally {
        for (var c : queued) {
          c.close();
        }
      }
    }
  }

  @Test
  void aPeerThatResetsFailsTheFlow() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      Thread.ofVirtual().start(() -> {
        try (Socket s = server.accept()) {
          s.getInputStream().read();
          s.setSoLinger(true, 0); // close with RST
        } catch (Exception e) {
          // the test fails on what it reads
        }
      });
      CompletionStage<ByteString> done = Source.single(ByteString.fromString("x")).concat(Source.maybe())
          .via(TcpStage.outgoing(loops, new InetSocketAddress("127.0.0.1", server.getLocalPort()), Duration.ofSeconds(5), c -> {}))
          .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), system);
      assertThatThrownBy(() -> done.toCompletableFuture().get(10, TimeUnit.SECONDS))
          .hasRootCauseInstanceOf(java.net.SocketException.class);
    }
  }

  @Test
  void aTerminatedSystemClosesItsListenersAndConnections() throws Exception {
    ActorSystem other = ActorSystem.create("tcp-stage-terminated");
    EventLoops otherLoops = EventLoops.get(other);
    // Connections that would stay open forever: the handler neither reads to the end nor closes.
    TcpListener.Binding binding = TcpListener.bind(otherLoops, ANY_LOOPBACK, 16, other.dispatcher(),
        channel -> TcpStage.accepted(otherLoops, channel).join(Flow.fromSinkAndSource(Sink.ignore(), Source.never())).run(other));
    int port = binding.localAddress().getPort();
    try (Socket open = new Socket("127.0.0.1", port)) {
      open.getOutputStream().write('x');
      other.terminate();
      other.getWhenTerminated().toCompletableFuture().get(30, TimeUnit.SECONDS);
      open.setSoTimeout(30_000);
      // The peer sees the end (or a reset), not silence; the port takes no new connections.
      int read;
      try {
        read = open.getInputStream().read();
      } catch (java.net.SocketException reset) {
        read = -1;
      }
      assertThat(read).isEqualTo(-1);
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
          assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class));
    }
  }

  @Test
  void anUnboundListenerRefusesNewConnectionsAndItsConnectionsGoOn() throws Exception {
    TcpListener.Binding binding = echo();
    int port = binding.localAddress().getPort();
    try (Socket open = new Socket("127.0.0.1", port)) {
      // Served before the unbind (a connection still in the kernel's backlog would be reset by it).
      open.getOutputStream().write('>');
      assertThat(open.getInputStream().read()).isEqualTo('>');
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
      assertThatThrownBy(() -> new Socket("127.0.0.1", port).close()).isInstanceOf(ConnectException.class);
      open.getOutputStream().write("still here".getBytes(StandardCharsets.US_ASCII));
      open.shutdownOutput();
      ByteArrayOutputStream all = new ByteArrayOutputStream();
      open.getInputStream().transferTo(all);
      assertThat(all.toString(StandardCharsets.US_ASCII)).isEqualTo("still here");
    }
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
