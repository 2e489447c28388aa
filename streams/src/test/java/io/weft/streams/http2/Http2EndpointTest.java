package io.weft.streams.http2;

import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** One endpoint's HTTP/2 connection, against a scripted server. */
class Http2EndpointTest {
  static ActorSystem system;
  static Materializer materializer;

  @BeforeAll
  static void start() {
    system = ActorSystem.create("http2-endpoint-test");
    materializer = Materializer.matFromSystem(system);
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  /**
   * A server that refuses the first stream it is sent (REFUSED_STREAM: never processed) and
   * answers 200 to every other; {@code opened} records the streams.
   */
  static Flow<ByteString, ByteString, CompletionStage<?>> refusingTheFirst(List<Integer> opened) {
    byte[][] pending = {new byte[0]};
    boolean[] prefaceRead = {false};
    return Flow.<ByteString>create().mapConcat(bytes -> {
      List<ByteString> out = new ArrayList<>();
      byte[] all = Http2ServerPropertiesTest.concat(pending[0], bytes.toArray());
      int at = 0;
      if (!prefaceRead[0]) {
        if (all.length < Frames.PREFACE.size()) {
          pending[0] = all;
          return out;
        }
        prefaceRead[0] = true;
        at = Frames.PREFACE.size();
        out.add(ByteString.fromArray(Http2ServerPropertiesTest.frame(Frames.SETTINGS, 0, 0, new byte[0])));
      }
      while (all.length - at >= Frames.HEADER_LENGTH) {
        int length = ((all[at] & 0xff) << 16) | ((all[at + 1] & 0xff) << 8) | (all[at + 2] & 0xff);
        if (all.length - at < Frames.HEADER_LENGTH + length) {
          break;
        }
        int type = all[at + 3] & 0xff;
        int stream = ((all[at + 5] & 0x7f) << 24) | ((all[at + 6] & 0xff) << 16) | ((all[at + 7] & 0xff) << 8) | (all[at + 8] & 0xff);
        if (type == Frames.HEADERS) {
          opened.add(stream);
          out.add(ByteString.fromArray(opened.size() == 1
              ? Http2ServerPropertiesTest.frame(Frames.RST_STREAM, 0, stream, new byte[] {0, 0, 0, (byte) Frames.REFUSED_STREAM})
              : Http2ServerPropertiesTest.frame(Frames.HEADERS, Frames.END_HEADERS | Frames.END_STREAM, stream,
                  Http2ServerPropertiesTest.block(":status", "200"))));
        }
        at += Frames.HEADER_LENGTH + length;
      }
      pending[0] = java.util.Arrays.copyOfRange(all, at, all.length);
      return out;
    }).mapMaterializedValue(n -> CompletableFuture.completedFuture(null));
  }

  static Http2Endpoint endpoint(List<Integer> opened) {
    Http2Settings settings = new Http2Settings(8, 65_535, 65_535, 16 * 1024, 64 * 1024, 100, Optional.empty(),
        Optional.empty(), Optional.empty());
    return new Http2Endpoint(materializer, () -> refusingTheFirst(opened), settings, Optional.empty(), "scripted");
  }

  static Request request(Body body) {
    return new Request("POST", "/", "example.test", HttpVersion.HTTP_2, new Headers(), body);
  }

  @Test
  void aRequestTheServerRefusedIsSentAgainWhenItsBodyIsInHand() throws Exception {
    List<Integer> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
    Response response = endpoint(opened).call(request(Body.of(ByteString.fromString("again"))))
        .toCompletableFuture().get(10, TimeUnit.SECONDS);
    assertThat(response.status()).isEqualTo(200);
    assertThat(opened).containsExactly(1, 3);
  }

  @Test
  void aRefusedRequestWhoseBodyWasStreamedIsNotSentAgain() {
    List<Integer> opened = new java.util.concurrent.CopyOnWriteArrayList<>();
    var streamed = new Body.Streamed(org.apache.pekko.stream.javadsl.Source.single(ByteString.fromString("once")), -1);
    CompletionStage<Response> answer = endpoint(opened).call(request(streamed));
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> answer.toCompletableFuture().get(10, TimeUnit.SECONDS))
        .hasMessageContaining("error code 7");
    assertThat(opened).containsExactly(1);
  }
}
