package io.weft.proxy.http;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;

/**
 * The HTTP/2 request guard fuzzed (jqwik): whatever follows the connection preface — any bytes, or
 * real request frames with bytes changed — the guard neither fails nor hangs; it passes on what it
 * cannot judge (for the server to refuse) and refuses what it can. Its server side is an echo here,
 * so the guard's own framing of the way back is fed arbitrary frames too.
 */
class Http2GuardPropertiesTest {
  private static final ActorSystem<Void> SYSTEM = ActorSystem.create(Behaviors.empty(), "http2-guard-fuzz");
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  /** A request's HEADERS (literal fields), a DATA frame and trailers, as a client sends them. */
  private static final byte[] REQUEST = concat(
      frame(0x1, 0x4, 1, literal(":method", "POST", ":scheme", "http", ":authority", "a", ":path", "/", "te", "trailers")),
      frame(0x0, 0x0, 1, "hello".getBytes(StandardCharsets.US_ASCII)),
      frame(0x1, 0x5, 1, literal("x-sum", "1")),
      frame(0x1, 0x2d, 3, concat(new byte[] {2, 0, 0, 0, 0, 16}, literal(":method", "GET", "X-Up", "1"), new byte[] {0, 0})));

  @AfterContainer
  static void stop() {
    SYSTEM.terminate();
  }

  @Property
  void anyFramesAreGuardedWithoutFailingOrHanging(@ForAll byte[] frames) throws Exception {
    guard(frames);
  }

  @Property
  void damagedRequestsAreGuardedWithoutFailingOrHanging(@ForAll("damagedRequests") byte[] frames) throws Exception {
    guard(frames);
  }

  @Provide
  Arbitrary<byte[]> damagedRequests() {
    return Arbitraries.integers().between(0, REQUEST.length - 1).tuple2().list().ofMaxSize(8).map(edits -> {
      byte[] damaged = REQUEST.clone();
      for (var edit : edits) {
        damaged[edit.get1()] = (byte) (damaged[edit.get1()] ^ (1 << (edit.get2() % 8)));
      }
      return damaged;
    });
  }

  private static void guard(byte[] frames) throws Exception {
    Flow<ByteString, ByteString, ?> echo = Flow.create();
    Source.single(ByteString.fromArray(concat(PREFACE, frames)))
        .via(Http2Guard.of(16 * 1024).join(echo))
        .runWith(Sink.ignore(), SYSTEM)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private static byte[] literal(String... fields) {
    return io.weft.proxy.RawHttp2.block(java.util.stream.IntStream.range(0, fields.length / 2)
        .mapToObj(i -> new String[] {fields[2 * i], fields[2 * i + 1]}).toList());
  }

  private static byte[] frame(int type, int flags, int stream, byte[] payload) {
    return concat(new byte[] {(byte) (payload.length >> 16), (byte) (payload.length >> 8), (byte) payload.length, (byte) type,
        (byte) flags, (byte) (stream >> 24), (byte) (stream >> 16), (byte) (stream >> 8), (byte) stream}, payload);
  }

  private static byte[] concat(byte[]... parts) {
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
