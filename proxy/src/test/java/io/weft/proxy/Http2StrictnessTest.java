package io.weft.proxy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * HTTP/2 as RFC 9113 says, through the proxy pair (outbound → mesh TLS → inbound → the
 * application), driven by a client that writes raw frames: trailers pass both ways; a malformed
 * request (an uppercase field name, a connection-specific field, {@code te} other than
 * {@code trailers}, broken pseudo-header rules) is a stream error and never reaches the application.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class Http2StrictnessTest {
  private static final String AUTHORITY = "h2.shop.svc.cluster.local:80";
  private static final int REPEATS = 30;
  private RawHttp2Server app;
  private ProxyPair pair;

  @BeforeAll
  void start(@TempDir Path manifests) throws Exception {
    app = new RawHttp2Server();
    pair = ProxyPair.start(manifests, "h2", 80, app.port(), Duration.ofSeconds(3));
    await().atMost(Duration.ofSeconds(30)).ignoreExceptions().until(() -> {
      try (RawHttp2 client = new RawHttp2(pair.outboundPort())) {
        return "200".equals(client.exchange(RawHttp2.block(RawHttp2.request(AUTHORITY, "/ready")), List.of(), null).status());
      }
    });
  }

  @AfterAll
  void stop() throws Exception {
    if (pair != null) {
      pair.close();
    }
    app.close();
  }

  @ParameterizedTest(name = "{0}")
  @org.junit.jupiter.params.provider.ValueSource(strings = {"to the application itself", "through the pair"})
  void requestAndResponseTrailersCrossThePair(String how) throws Exception {
    try (RawHttp2 client = new RawHttp2(how.equals("through the pair") ? pair.outboundPort() : app.port())) {
      // Many times: whether a server has the whole stream before it hands the request on varies.
      for (int i = 0; i < REPEATS; i++) {
        RawHttp2.Exchange exchange = client.exchange(
            RawHttp2.block(RawHttp2.request(AUTHORITY, "/upload", "te", "trailers", "content-type", "application/grpc")),
            List.of("hello ", "mesh"), RawHttp2.block(List.<String[]>of(new String[] {"x-checksum", "abc" + i})));
        assertThat(exchange.resetCode()).isNull();
        assertThat(exchange.status()).isEqualTo("200");
        assertThat(exchange.body()).isEqualTo("got hello mesh trailers=x-checksum:abc" + i + " te=trailers");
        assertThat(exchange.trailers()).containsEntry("x-app-trailer", "done");
      }
    }
  }

  static Stream<Arguments> malformed() {
    return Stream.of(
        Arguments.of("an uppercase field name", RawHttp2.request(AUTHORITY, "/upper", "X-Upper", "1")),
        Arguments.of("connection", RawHttp2.request(AUTHORITY, "/connection", "connection", "keep-alive")),
        Arguments.of("keep-alive", RawHttp2.request(AUTHORITY, "/keep-alive", "keep-alive", "timeout=5")),
        Arguments.of("proxy-connection", RawHttp2.request(AUTHORITY, "/proxy-connection", "proxy-connection", "keep-alive")),
        Arguments.of("transfer-encoding", RawHttp2.request(AUTHORITY, "/transfer-encoding", "transfer-encoding", "chunked")),
        Arguments.of("upgrade", RawHttp2.request(AUTHORITY, "/upgrade", "upgrade", "websocket")),
        Arguments.of("te other than trailers", RawHttp2.request(AUTHORITY, "/te", "te", "gzip")),
        Arguments.of("a pseudo-header after a regular field", withField(RawHttp2.request(AUTHORITY, "/late", "x-a", "1"),
            ":custom-late", "x")),
        Arguments.of("an unknown pseudo-header", RawHttp2.request(AUTHORITY, "/unknown", ":protocol-ish", "x")),
        Arguments.of("a response pseudo-header in a request", RawHttp2.request(AUTHORITY, "/status", ":status", "200")),
        Arguments.of("no :path", without(RawHttp2.request(AUTHORITY, "/nopath"), ":path")),
        Arguments.of("no :method", without(RawHttp2.request(AUTHORITY, "/nomethod"), ":method")),
        Arguments.of("an empty :path", replaced(RawHttp2.request(AUTHORITY, "/empty"), ":path", "")),
        Arguments.of("a duplicate :method", withField(RawHttp2.request(AUTHORITY, "/twice"), ":method", "GET")));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("malformed")
  void aMalformedRequestIsAStreamErrorAndNeverForwarded(String what, List<String[]> fields) throws Exception {
    String path = fields.stream().filter(f -> f[0].equals(":path")).map(f -> f[1]).findFirst().orElse("(none)");
    try (RawHttp2 client = new RawHttp2(pair.outboundPort())) {
      RawHttp2.Exchange exchange = client.exchange(RawHttp2.block(fields), List.of(), null);
      // RFC 9113 §8.1.1: a stream error of type PROTOCOL_ERROR (not the connection's).
      assertThat(exchange.resetCode()).as(what).isEqualTo(RawHttp2.PROTOCOL_ERROR);
      // The connection is still good for the next request.
      assertThat(client.exchange(RawHttp2.block(RawHttp2.request(AUTHORITY, "/after")), List.of(), null).status()).isEqualTo("200");
    }
    assertThat(app.seen()).as(what + ": the application never saw it").doesNotContain(path);
  }

  private static List<String[]> withField(List<String[]> fields, String name, String value) {
    List<String[]> out = new ArrayList<>(fields);
    out.add(new String[] {name, value});
    return out;
  }

  private static List<String[]> without(List<String[]> fields, String name) {
    return fields.stream().filter(f -> !f[0].equals(name)).toList();
  }

  private static List<String[]> replaced(List<String[]> fields, String name, String value) {
    return fields.stream().map(f -> f[0].equals(name) ? new String[] {name, value} : f).toList();
  }
}
