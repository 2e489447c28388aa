package io.weft.protocol.detect;

import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

import static io.weft.protocol.detect.HttpSniffer.Result.HTTP1;
import static io.weft.protocol.detect.HttpSniffer.Result.HTTP2;
import static io.weft.protocol.detect.HttpSniffer.Result.NEED_MORE;
import static io.weft.protocol.detect.HttpSniffer.Result.NOT_HTTP;
import static org.assertj.core.api.Assertions.assertThat;

class HttpSnifferTest {
  private static HttpSniffer.Result detect(String text) {
    return HttpSniffer.detect(ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1)));
  }

  @Test
  void recognisesTheH2PrefaceEvenWhenSplit() {
    String preface = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";
    assertThat(detect(preface)).isEqualTo(HTTP2);
    for (int cut = 1; cut < 14; cut++) {
      assertThat(detect(preface.substring(0, cut))).as("first %d bytes", cut).isEqualTo(NEED_MORE);
    }
  }

  @Test
  void recognisesHttp1RequestLines() {
    assertThat(detect("GET / HTTP/1.1\r\nHost: a\r\n\r\n")).isEqualTo(HTTP1);
    assertThat(detect("POST /api/vote?choice=:+1: HTTP/1.0\r\n")).isEqualTo(HTTP1);
    assertThat(detect("OPTIONS * HTTP/1.1\r\n")).isEqualTo(HTTP1);
    assertThat(detect("GET /x HTTP/1.1\n")).isEqualTo(HTTP1);
    // Split anywhere before the end of the line: wait for more.
    String line = "DELETE /items/42 HTTP/1.1\r\n";
    for (int cut = 1; cut < line.length(); cut++) {
      assertThat(detect(line.substring(0, cut))).as("first %d bytes", cut).isEqualTo(NEED_MORE);
    }
  }

  @Test
  void everythingElseIsNotHttp() {
    assertThat(detect("\u0016\u0003\u0001\u0002\u0000")).isEqualTo(NOT_HTTP); // TLS
    assertThat(detect("SSH-2.0-OpenSSH_9.2\r\n")).isEqualTo(NOT_HTTP);
    assertThat(detect("GET / HTTP/2.0\r\n")).isEqualTo(NOT_HTTP);
    assertThat(detect("GET  / HTTP/1.1\r\n")).isEqualTo(NOT_HTTP);
    assertThat(detect("GET / HTTP/1.1\rX")).isEqualTo(NOT_HTTP);
    assertThat(detect("*1\r\n$4\r\nPING\r\n")).isEqualTo(NOT_HTTP); // redis
    assertThat(detect("A".repeat(HttpSniffer.MAX_REQUEST_LINE + 10))).isEqualTo(NOT_HTTP);
  }

  @Test
  void doesNotConsumeInput() {
    ByteBuffer in = ByteBuffer.wrap("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
    HttpSniffer.detect(in);
    assertThat(in.position()).isZero();
  }
}
