package io.weft.streams.tcp;

import com.typesafe.config.ConfigFactory;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Stream graphs on the event loops, as a proxy runs them (its weft-proxy.conf names the dispatcher). */
class LoopDispatcherTest {
  static ActorSystem system;
  static EventLoops loops;

  @BeforeAll
  static void start() {
    system = ActorSystem.create("loop-dispatcher-test", ConfigFactory.parseMap(Map.of(
        "pekko.stream.materializer.dispatcher", EventLoops.DISPATCHER,
        "pekko.library-extensions", java.util.List.of("io.weft.streams.tcp.EventLoops$Id", "org.apache.pekko.stream.SystemMaterializer$")))
        .withFallback(ConfigFactory.load()));
    loops = EventLoops.get(system);
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  @Test
  void aGraphRunsOnTheLoopThatReadsItsBytes() throws Exception {
    Set<String> threads = ConcurrentHashMap.newKeySet();
    Flow<ByteString, ByteString, ?> echo = Flow.<ByteString>create().map(bytes -> {
      threads.add(Thread.currentThread().getName());
      return bytes;
    });
    TcpListener.Binding binding = TcpListener.bind(loops, new InetSocketAddress("127.0.0.1", 0), 16, system.dispatcher(),
        channel -> TcpStage.accepted(loops, channel).join(echo).run(system));
    try (Socket socket = new Socket("127.0.0.1", binding.localAddress().getPort())) {
      socket.getOutputStream().write("ping".getBytes(StandardCharsets.US_ASCII));
      socket.shutdownOutput();
      assertThat(new String(socket.getInputStream().readAllBytes(), StandardCharsets.US_ASCII)).isEqualTo("ping");
    } finally {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    assertThat(threads).containsExactly(system.name() + "-io-0");
  }

  @Test
  void manyPushesOfOneTurnGoOutInOrderAndMegabytesWaitForASocketThatIsFull() throws Exception {
    // The echo's pushes are collected per turn of the loop and written after it; 8 MiB is more than
    // the sockets hold, so some of it waits for the socket while more is collected behind it.
    byte[] sent = new byte[8 * 1024 * 1024];
    new java.util.Random(7).nextBytes(sent);
    Flow<ByteString, ByteString, ?> echoInPieces = Flow.<ByteString>create()
        .mapConcat(bytes -> { // one read becomes many pushes in the same turn
          java.util.List<ByteString> pieces = new java.util.ArrayList<>();
          for (int at = 0; at < bytes.size(); at += 100) {
            pieces.add(bytes.slice(at, Math.min(at + 100, bytes.size())));
          }
          return pieces;
        });
    TcpListener.Binding binding = TcpListener.bind(loops, new InetSocketAddress("127.0.0.1", 0), 16, system.dispatcher(),
        channel -> TcpStage.accepted(loops, channel).join(echoInPieces).run(system));
    try (Socket socket = new Socket("127.0.0.1", binding.localAddress().getPort())) {
      var writer = java.util.concurrent.CompletableFuture.runAsync(() -> {
        try {
          socket.getOutputStream().write(sent);
          socket.shutdownOutput();
        } catch (java.io.IOException e) {
          throw new java.io.UncheckedIOException(e);
        }
      });
      byte[] received = socket.getInputStream().readAllBytes();
      writer.get(30, TimeUnit.SECONDS);
      assertThat(received).isEqualTo(sent);
    } finally {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aGraphThatNeverRestsLeavesTheLoopTimeForItsSockets() throws Exception {
    // Endless work on the loop: it yields between batches, and the loop serves its sockets between turns.
    UniqueKillSwitch busy = Source.repeat(ByteString.fromString("x")).viaMat(KillSwitches.single(), Keep.right())
        .to(Sink.ignore()).run(system);
    TcpListener.Binding binding = TcpListener.bind(loops, new InetSocketAddress("127.0.0.1", 0), 16, system.dispatcher(),
        channel -> TcpStage.accepted(loops, channel).join(Flow.create()).run(system));
    try (Socket socket = new Socket("127.0.0.1", binding.localAddress().getPort())) {
      socket.setSoTimeout(10_000);
      for (int i = 0; i < 20; i++) {
        socket.getOutputStream().write('a' + i);
        InputStream in = socket.getInputStream();
        assertThat(in.read()).isEqualTo('a' + i);
      }
    } finally {
      busy.shutdown();
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
}
