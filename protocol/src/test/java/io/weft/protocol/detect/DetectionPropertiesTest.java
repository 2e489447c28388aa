package io.weft.protocol.detect;

import com.google.protobuf.InvalidProtocolBufferException;
import io.weft.protocol.transport.Header;
import io.weft.protocol.transport.SessionProtocol;
import io.weft.protocol.transport.TransportHeaderCodec;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * What the proxy reads before it knows what a connection is — the HTTP sniffer, the ClientHello
 * SNI reader and the transport-header codec — fuzzed by generated input (jqwik): any bytes, and
 * real first bytes (a JDK ClientHello with SNI, transport headers, HTTP request lines and the
 * HTTP/2 preface) with bytes changed or cut. Each answers, or (the codec) refuses with
 * InvalidProtocolBufferException — never another exception. {@code bench/run fuzz} runs more tries.
 */
class DetectionPropertiesTest {
  private static final List<byte[]> SEEDS = List.of(
      clientHello("web.shop.serviceaccount.identity.linkerd.cluster.local"),
      TransportHeaderCodec.encode(Header.newBuilder().setPort(8080).setName("web.shop.svc.cluster.local:80")
          .setSessionProtocol(SessionProtocol.newBuilder().setHttp2(SessionProtocol.Http2.getDefaultInstance())).build()),
      "GET /index.html HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(),
      "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes());

  private static byte[] clientHello(String serverName) {
    try {
      ByteBuffer hello = ClientHelloSnifferTest.clientHello(serverName);
      byte[] bytes = new byte[hello.remaining()];
      hello.get(bytes);
      return bytes;
    } catch (Exception e) {
      throw new IllegalStateException("the JDK makes a ClientHello", e);
    }
  }

  @Property
  void anyBytesAreAnswered(@ForAll byte[] input) {
    readAll(input);
  }

  @Property
  void damagedFirstBytesAreAnswered(@ForAll("damaged") byte[] input) {
    readAll(input);
  }

  @Provide
  Arbitrary<byte[]> damaged() {
    Arbitrary<List<int[]>> edits = Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 600),
        Arbitraries.integers().between(0, 255)).as((kind, at, value) -> new int[] {kind, at, value}).list().ofMaxSize(4);
    return Combinators.combine(Arbitraries.of(SEEDS), edits).as((seed, list) -> {
      byte[] bytes = seed.clone();
      for (int[] edit : list) {
        if (bytes.length == 0) {
          break;
        }
        int at = edit[1] % bytes.length;
        switch (edit[0]) {
          case 0 -> bytes[at] = (byte) edit[2];
          case 1 -> bytes = java.util.Arrays.copyOf(bytes, at); // cut short
          default -> bytes[at] = (byte) (bytes[at] ^ (1 << (edit[2] % 8))); // one bit
        }
      }
      return bytes;
    });
  }

  private static void readAll(byte[] input) {
    ByteBuffer in = ByteBuffer.wrap(input);
    HttpSniffer.detect(in.duplicate());
    ClientHelloSniffer.detect(in.duplicate());
    try {
      TransportHeaderCodec.decode(in.duplicate());
    } catch (InvalidProtocolBufferException refused) {
      // what the codec says of bytes that cannot be a transport header
    }
  }
}
