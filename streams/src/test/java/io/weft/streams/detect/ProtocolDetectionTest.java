package io.weft.streams.detect;

import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

class ProtocolDetectionTest {
  static ActorSystem system;

  @BeforeAll
  static void start() {
    system = ActorSystem.create("detect");
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  /** Runs chunks through detection; returns the protocol chosen and every byte the chosen flow saw. */
  private static String run(Source<ByteString, ?> input, AtomicReference<Protocol> chosen) throws Exception {
    var flow = ProtocolDetection.flow(Duration.ofSeconds(30), 1024, p -> {
      chosen.set(p);
      return Flow.<ByteString>create();
    });
    List<ByteString> out = input.via(flow).runWith(Sink.seq(), system).toCompletableFuture().get(30, TimeUnit.SECONDS);
    return out.stream().map(ByteString::utf8String).reduce("", String::concat);
  }

  @Test
  void anHttp1RequestSplitAcrossReadsIsDetectedAndPassedOnWhole() throws Exception {
    var chosen = new AtomicReference<Protocol>();
    String request = "GET /api/list HTTP/1.1\r\nHost: web\r\n\r\n";
    String seen = run(Source.from(List.of(ByteString.fromString("GE"), ByteString.fromString("T /api/li"),
        ByteString.fromString("st HTTP/1.1\r\nHost: web\r\n\r\n"))), chosen);
    assertThat(chosen.get()).isEqualTo(new Protocol.Http1());
    assertThat(seen).isEqualTo(request);
  }

  @Test
  void h2PriorKnowledgeAndOpaqueBytes() throws Exception {
    var chosen = new AtomicReference<Protocol>();
    run(Source.single(ByteString.fromString("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")), chosen);
    assertThat(chosen.get()).isEqualTo(new Protocol.Http2());
    String seen = run(Source.from(List.of(ByteString.fromString("*1\r\n$4\r\nPING\r\n"), ByteString.fromString("more"))), chosen);
    assertThat(chosen.get()).isEqualTo(new Protocol.Opaque());
    assertThat(seen).isEqualTo("*1\r\n$4\r\nPING\r\nmore");
  }

  @Test
  void aTransportHeaderIsDecodedAndRemovedFromThePayload() throws Exception {
    var chosen = new AtomicReference<Protocol>();
    byte[] header = io.weft.protocol.transport.TransportHeaderCodec.encode(
        io.weft.protocol.transport.Header.newBuilder().setPort(5432).build());
    ByteString all = ByteString.fromArray(header).concat(ByteString.fromString("payload"));
    // Arrives in small pieces: detection waits for the whole header.
    List<ByteString> pieces = new java.util.ArrayList<>();
    for (int i = 0; i < all.size(); i += 5) {
      pieces.add(all.slice(i, Math.min(all.size(), i + 5)));
    }
    String seen = run(Source.from(pieces), chosen);
    assertThat(chosen.get()).isInstanceOf(Protocol.Transport.class);
    assertThat(((Protocol.Transport) chosen.get()).header().getPort()).isEqualTo(5432);
    assertThat(seen).isEqualTo("payload");
  }

  @Test
  void aSilentClientBecomesOpaqueAfterTheTimeoutAndIsNotCut() throws Exception {
    // Server-speaks-first protocols (MySQL, SMTP): the client sends nothing at first.
    var chosen = new CompletableFuture<Protocol>();
    var flow = ProtocolDetection.flow(Duration.ofMillis(200), 1024, p -> {
      chosen.complete(p);
      return Flow.<ByteString>create();
    });
    var input = Source.<ByteString>maybe();
    var pair = input.via(flow).toMat(Sink.seq(), org.apache.pekko.stream.javadsl.Keep.both()).run(system);
    assertThat(chosen.get(30, TimeUnit.SECONDS)).isEqualTo(new Protocol.Opaque());
    pair.first().complete(java.util.Optional.of(ByteString.fromString("QUIT\r\n")));
    var out = pair.second().toCompletableFuture().get(30, TimeUnit.SECONDS);
    assertThat(out.stream().map(ByteString::utf8String).reduce("", String::concat)).isEqualTo("QUIT\r\n");
  }
}
