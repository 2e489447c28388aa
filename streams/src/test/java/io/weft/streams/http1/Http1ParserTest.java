package io.weft.streams.http1;

import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class Http1ParserTest {
  private static final Http1Limits LIMITS = new Http1Limits(1024, 10);

  private static Http1Parser.Head<Request> request(String head) {
    return new Http1Parser(LIMITS).request(ByteString.fromString(head));
  }

  @Test
  void aRequestHeadBecomesTheLightModelWithoutItsHopByHopFields() {
    String raw = "POST /a?b=1 HTTP/1.1\r\nHost: web:8080\r\nConnection: keep-alive, X-Hop\r\nX-Hop: 1\r\n"
        + "Keep-Alive: timeout=5\r\nTE: trailers\r\nProxy-Connection: close\r\nContent-Length: 3\r\nX-App:  kept  \r\n\r\nabc";
    var head = request(raw);
    Request r = head.message();
    assertThat(r.method()).isEqualTo("POST");
    assertThat(r.target()).isEqualTo("/a?b=1");
    assertThat(r.authority()).isEqualTo("web:8080");
    assertThat(r.version()).isEqualTo(HttpVersion.HTTP_1_1);
    assertThat(r.headers().toString()).isEqualTo("X-App: kept\n");
    assertThat(head.framing()).isEqualTo(Framing.length(3));
    assertThat(head.length()).isEqualTo(raw.indexOf("abc"));
    assertThat(head.keepAlive()).isTrue();
    assertThat(head.close()).isFalse();
  }

  @Test
  void anIncompleteHeadIsWaitedForAndOnlyTheNewBytesAreSearched() {
    Http1Parser parser = new Http1Parser(LIMITS);
    String full = "GET / HTTP/1.1\r\nHost: a\r\n\r\n";
    for (int i = 1; i < full.length(); i++) {
      assertThat(parser.request(ByteString.fromString(full.substring(0, i)))).isNull();
    }
    assertThat(parser.request(ByteString.fromString(full)).message().authority()).isEqualTo("a");
  }

  @Test
  void anAbsoluteFormTargetNamesTheAuthority() {
    var r = request("GET http://api.shop:81/x?y HTTP/1.1\r\nHost: other\r\n\r\n").message();
    assertThat(r.authority()).isEqualTo("api.shop:81");
    assertThat(r.target()).isEqualTo("/x?y");
  }

  @Test
  void http10ClosesUnlessItAsksToKeepAliveAndAnEmptyLineBeforeTheRequestIsIgnored() {
    assertThat(request("\r\nGET / HTTP/1.0\r\n\r\n").close()).isTrue();
    assertThat(request("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").close()).isFalse();
    assertThat(request("GET / HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n").close()).isTrue();
  }

  @Test
  void chunkedAndUpgradeFraming() {
    assertThat(request("POST / HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\n\r\n").framing()).isEqualTo(Framing.CHUNKED);
    var ws = request("GET /ws HTTP/1.1\r\nHost: a\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n");
    assertThat(ws.framing()).isEqualTo(Framing.TUNNEL);
    assertThat(ws.message().headers().get("upgrade")).isEqualTo("websocket");
  }

  /** Each of these lets two parsers disagree about a message's end, or is not HTTP: refused with the status given. */
  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "both framings          | 400 | POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 3\\r\\nTransfer-Encoding: chunked\\r\\n\\r\\n",
      "differing lengths      | 400 | POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: 3\\r\\nContent-Length: 4\\r\\n\\r\\n",
      "signed length          | 400 | POST / HTTP/1.1\\r\\nHost: a\\r\\nContent-Length: +3\\r\\n\\r\\n",
      "coding not chunked     | 501 | POST / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: gzip\\r\\n\\r\\n",
      "chunked then gzip      | 501 | POST / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding: chunked, gzip\\r\\n\\r\\n",
      "obs-fold               | 400 | GET / HTTP/1.1\\r\\nHost: a\\r\\nX-A: 1\\r\\n  2\\r\\n\\r\\n",
      "space before colon     | 400 | GET / HTTP/1.1\\r\\nHost: a\\r\\nTransfer-Encoding : chunked\\r\\n\\r\\n",
      "NUL in a value         | 400 | GET / HTTP/1.1\\r\\nHost: a\\r\\nX-A: a\\u0000b\\r\\n\\r\\n",
      "bare CR in a value     | 400 | GET / HTTP/1.1\\r\\nHost: a\\r\\nX-A: a\\rb\\r\\n\\r\\n",
      "no Host in HTTP/1.1    | 400 | GET / HTTP/1.1\\r\\n\\r\\n",
      "two Hosts              | 400 | GET / HTTP/1.1\\r\\nHost: a\\r\\nHost: b\\r\\n\\r\\n",
      "bad request line      | 400 | GET  / HTTP/1.1\\r\\nHost: a\\r\\n\\r\\n",
      "HTTP/2 on an HTTP/1 line | 505 | GET / HTTP/2.0\\r\\nHost: a\\r\\n\\r\\n",
      "too many fields        | 431 | GET / HTTP/1.1\\r\\nHost: a\\r\\nA: 1\\r\\nB: 1\\r\\nC: 1\\r\\nD: 1\\r\\nE: 1\\r\\nF: 1\\r\\nG: 1\\r\\nH: 1\\r\\nI: 1\\r\\nJ: 1\\r\\n\\r\\n",
  })
  void smugglingShapesAndMalformedHeadsAreRefused(String what, int status, String head) {
    String raw = head.replace("\\r", "\r").replace("\\n", "\n").replace("\\u0000", "\u0000");
    assertThatThrownBy(() -> request(raw)).isInstanceOf(MalformedHttpException.class)
        .satisfies(e -> assertThat(((MalformedHttpException) e).status()).as(e.getMessage()).isEqualTo(status));
  }

  @Test
  void aHeadOverTheLimitIs431EvenBeforeItEnds() {
    String huge = "GET / HTTP/1.1\r\nHost: a\r\nX-Big: " + "x".repeat(2000);
    assertThatThrownBy(() -> request(huge)).isInstanceOf(MalformedHttpException.class)
        .satisfies(e -> assertThat(((MalformedHttpException) e).status()).isEqualTo(431));
  }

  @Test
  void responseFramingFollowsTheRequestAndTheStatus() {
    Http1Parser parser = new Http1Parser(LIMITS);
    var toHead = parser.response(ByteString.fromString("HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\n"), true);
    assertThat(toHead.framing()).isEqualTo(Framing.NONE);
    assertThat(toHead.message().headers().get("content-length")).isEqualTo("42");
    var closeDelimited = parser.response(ByteString.fromString("HTTP/1.1 200 OK\r\n\r\n"), false);
    assertThat(closeDelimited.framing()).isEqualTo(Framing.UNTIL_CLOSE);
    assertThat(closeDelimited.close()).isTrue();
    Response noReason = parser.response(ByteString.fromString("HTTP/1.1 204\r\n\r\n"), false).message();
    assertThat(noReason.status()).isEqualTo(204);
    assertThat(parser.response(ByteString.fromString("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
        + "Connection: upgrade\r\n\r\n"), false).framing()).isEqualTo(Framing.TUNNEL);
    assertThatThrownBy(() -> parser.response(ByteString.fromString("HTTP/1.1 200 OK\r\nContent-Length: 1\r\n"
        + "Transfer-Encoding: chunked\r\n\r\n"), false)).isInstanceOf(MalformedHttpException.class);
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(delimiter = '|', value = {
      "not hex              | zz\\r\\n",
      "overflowing          | 1000000000000000\\r\\n",
      "no CRLF after data   | 3\\r\\nabcX\\r\\n",
      "empty size           | \\r\\n",
      "junk after size      | 3 x\\r\\nabc\\r\\n",
  })
  void badChunksAreRefused(String what, String body) {
    ChunkedDecoder decoder = new ChunkedDecoder(1024, 400);
    ByteString input = ByteString.fromString(body.replace("\\r", "\r").replace("\\n", "\n"));
    assertThatThrownBy(() -> {
      ByteString rest = input;
      while (!decoder.done()) {
        int used = decoder.decode(rest);
        if (used == 0) {
          break;
        }
        rest = rest.drop(used);
      }
    }).isInstanceOf(MalformedHttpException.class);
  }

  @Test
  void chunksWithExtensionsAndTrailersDecode() {
    ChunkedDecoder decoder = new ChunkedDecoder(1024, 400);
    ByteString rest = ByteString.fromString("3;ext=1\r\nabc\r\nA\r\n0123456789\r\n0\r\nX-Trailer: t\r\n\r\nNEXT");
    StringBuilder data = new StringBuilder();
    while (!decoder.done()) {
      int used = decoder.decode(rest);
      data.append(decoder.data().utf8String());
      rest = rest.drop(used);
    }
    assertThat(data.toString()).isEqualTo("abc0123456789");
    assertThat(rest.utf8String()).isEqualTo("NEXT");
  }
}
