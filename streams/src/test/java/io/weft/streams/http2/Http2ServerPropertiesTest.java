package io.weft.streams.http2;

import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Response;
import io.weft.streams.service.Service;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.lifecycle.AfterContainer;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import java.io.ByteArrayOutputStream;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * Weft's HTTP/2 server fuzzed (jqwik): whatever follows the preface and a SETTINGS frame — any
 * bytes, or a real request's frames (HEADERS with HPACK, DATA, trailers, a second stream with
 * padding and priority) with bits flipped — the connection neither fails with an exception nor
 * hangs: it answers, resets a stream or ends the connection with GOAWAY.
 */
class Http2ServerPropertiesTest {
  private static final ActorSystem SYSTEM = ActorSystem.create("http2-server-fuzz");
  private static final Http2Settings SETTINGS = new Http2Settings(16, 65_535, 65_535, 16 * 1024, 64 * 1024, 100,
      Optional.empty(), Optional.empty(), Optional.empty());
  private static final Service<io.weft.streams.http.Request, Response> ECHO = request -> CompletableFuture.completedFuture(
      new Response(200, null, HttpVersion.HTTP_2, request.headers(), request.body()));
  static final byte[] START = concat(Frames.PREFACE.toArray(), frame(Frames.SETTINGS, 0, 0, new byte[0]));
  private static final byte[] REQUEST = concat(
      frame(Frames.HEADERS, Frames.END_HEADERS, 1, block(":method", "POST", ":scheme", "http", ":authority", "a",
          ":path", "/", "te", "trailers", "content-length", "5")),
      frame(Frames.DATA, 0, 1, "hello".getBytes()),
      frame(Frames.HEADERS, Frames.END_HEADERS | Frames.END_STREAM, 1, block("x-sum", "1")),
      frame(Frames.HEADERS, Frames.END_HEADERS | Frames.PADDED | Frames.PRIORITY_FLAG | Frames.END_STREAM, 3,
          concat(new byte[] {2, 0, 0, 0, 0, 16}, block(":method", "GET", ":scheme", "http", ":path", "/x"), new byte[] {0, 0})),
      frame(Frames.WINDOW_UPDATE, 0, 0, new byte[] {0, 0, 1, 0}),
      frame(Frames.PING, 0, 0, new byte[8]));

  @AfterContainer
  static void stop() {
    SYSTEM.terminate();
  }

  @Property
  void anyFramesEndWithoutFailingOrHanging(@ForAll byte[] frames) throws Exception {
    serve(frames);
  }

  @Property
  void damagedRequestsEndWithoutFailingOrHanging(@ForAll("damagedRequests") byte[] frames) throws Exception {
    serve(frames);
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

  private static void serve(byte[] frames) throws Exception {
    Source.single(ByteString.fromArray(concat(START, frames)))
        .via(Http2Server.flow(ECHO, SETTINGS))
        .runWith(Sink.ignore(), SYSTEM)
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  static byte[] block(String... fields) {
    Octets block = new Octets();
    HpackEncoder encoder = new HpackEncoder();
    for (int i = 0; i < fields.length; i += 2) {
      encoder.field(fields[i], fields[i + 1], block);
    }
    return block.take().toArray();
  }

  static byte[] frame(int type, int flags, int stream, byte[] payload) {
    return concat(new byte[] {(byte) (payload.length >> 16), (byte) (payload.length >> 8), (byte) payload.length, (byte) type,
        (byte) flags, (byte) (stream >> 24), (byte) (stream >> 16), (byte) (stream >> 8), (byte) stream}, payload);
  }

  static byte[] concat(byte[]... parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] part : parts) {
      out.writeBytes(part);
    }
    return out.toByteArray();
  }
}
