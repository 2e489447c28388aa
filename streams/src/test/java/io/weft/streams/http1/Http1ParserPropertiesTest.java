package io.weft.streams.http1;

import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.apache.pekko.util.ByteString;

import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The HTTP/1 head parser fuzzed by generated input (jqwik): any bytes, and valid heads with bytes
 * inserted, replaced and cut where framing lives. Whatever comes, the parser answers a head, "not
 * yet", or a MalformedHttpException with an error status — never another exception. The suite runs
 * jqwik's default number of tries; {@code bench/run fuzz} runs many more.
 */
class Http1ParserPropertiesTest {
  private static final Http1Limits LIMITS = new Http1Limits(8 * 1024, 100);
  private static final List<String> HEADS = List.of(
      "GET /a?b=c HTTP/1.1\r\nHost: x\r\n\r\n",
      "POST /p HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
      "PUT / HTTP/1.0\r\nContent-Length: 3\r\nConnection: keep-alive\r\n\r\nabc",
      "GET / HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nExpect: 100-continue\r\n\r\n",
      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
      "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: upgrade\r\n\r\n",
      "HTTP/1.0 304 Not Modified\r\nTransfer-Encoding: gzip, chunked\r\n\r\n");
  /** What framing is made of: the bytes worth putting where they do not belong. */
  private static final byte[] SHARP = " \t\r\n\0:;,=-+0123456789fFxX\"\\\u007f\u00ff".getBytes(StandardCharsets.ISO_8859_1);

  @Property
  void anyBytesAreAHeadOrNotYetOrRefused(@ForAll byte[] input) {
    parseBothWays(input);
  }

  @Property
  void damagedHeadsAreAHeadOrNotYetOrRefused(@ForAll("damagedHeads") byte[] input) {
    parseBothWays(input);
  }

  @Provide
  Arbitrary<byte[]> damagedHeads() {
    Arbitrary<byte[]> head = Arbitraries.of(HEADS).map(h -> h.getBytes(StandardCharsets.ISO_8859_1));
    Arbitrary<List<int[]>> edits = Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 200),
        Arbitraries.integers().between(0, SHARP.length - 1)).as((kind, at, sharp) -> new int[] {kind, at, sharp}).list().ofMaxSize(6);
    return Combinators.combine(head, edits).as((bytes, list) -> {
      byte[] damaged = bytes;
      for (int[] edit : list) {
        damaged = edit(damaged, edit[0], edit[1] % (damaged.length + 1), SHARP[edit[2]]);
      }
      return damaged;
    });
  }

  /** Insert, replace or cut one byte at {@code at}. */
  private static byte[] edit(byte[] bytes, int kind, int at, byte sharp) {
    return switch (kind) {
      case 0 -> {
        byte[] out = new byte[bytes.length + 1];
        System.arraycopy(bytes, 0, out, 0, at);
        out[at] = sharp;
        System.arraycopy(bytes, at, out, at + 1, bytes.length - at);
        yield out;
      }
      case 1 -> {
        if (at >= bytes.length) {
          yield bytes;
        }
        byte[] out = bytes.clone();
        out[at] = sharp;
        yield out;
      }
      default -> {
        if (at >= bytes.length) {
          yield bytes;
        }
        byte[] out = new byte[bytes.length - 1];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(bytes, at + 1, out, at, bytes.length - at - 1);
        yield out;
      }
    };
  }

  private static void parseBothWays(byte[] input) {
    ByteString bytes = ByteString.fromArray(input);
    try {
      new Http1Parser(LIMITS).request(bytes);
    } catch (MalformedHttpException refused) {
      errorStatus(refused);
    }
    for (boolean toHead : new boolean[] {false, true}) {
      try {
        new Http1Parser(LIMITS).response(bytes, toHead);
      } catch (MalformedHttpException refused) {
        errorStatus(refused);
      }
    }
  }

  private static void errorStatus(MalformedHttpException refused) {
    if (refused.status() < 400 || refused.status() > 599) {
      throw new AssertionError("a refusal answers with an error status, not " + refused.status());
    }
  }
}
