package io.weft.proxy.inbound;

import io.weft.protocol.transport.Header;
import io.weft.protocol.transport.TransportHeaderCodec;
import io.weft.proxy.metrics.ProxyMetrics;
import io.weft.proxy.tcp.Forwarding;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** Real TCP on loopback: a client, an inbound proxy, and an echo "application". */
class InboundProxyTest {
  private ActorSystem<Void> system;
  private ServerSocket app;
  private int proxyPort;
  private final ProxyMetrics metrics = new ProxyMetrics();

  @BeforeEach
  void start() throws IOException {
    system = ActorSystem.create(Behaviors.empty(), "inbound-test");
    app = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(this::echo);
    InboundProxy proxy = io.weft.proxy.LocalMesh.inboundProxy(system, metrics, Duration.ofSeconds(10), Set.of(4143, 4190, 4191));
    proxyPort = proxy.bind(new InetSocketAddress("127.0.0.1", 0)).toCompletableFuture().join().localAddress().getPort();
  }

  @AfterEach
  void stop() throws IOException {
    app.close();
    system.terminate();
  }

  /** Echoes each connection back, upper-cased, until the client half-closes. */
  private void echo() {
    while (!app.isClosed()) {
      try {
        Socket s = app.accept();
        Thread.ofVirtual().start(() -> {
          try (s; InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
            byte[] all = in.readAllBytes();
            out.write(new String(all, StandardCharsets.US_ASCII).toUpperCase().getBytes(StandardCharsets.US_ASCII));
          } catch (IOException e) {
            // client went away
          }
        });
      } catch (IOException e) {
        return;
      }
    }
  }

  private String through(Header header, String payload) throws Exception {
    return Source.single(ByteString.fromString(payload))
        .via(Forwarding.viaPeerProxy(system, new InetSocketAddress("127.0.0.1", proxyPort), header, io.weft.proxy.tcp.Dial.within(Duration.ofSeconds(1)), Optional.empty()))
        .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), system)
        .toCompletableFuture().get(30, TimeUnit.SECONDS).utf8String();
  }

  @Test
  void aTransportHeaderRoutesTheConnectionToThatPortOfThePod() throws Exception {
    Header header = Header.newBuilder().setPort(app.getLocalPort()).build();
    assertThat(through(header, "hello through the mesh")).isEqualTo("HELLO THROUGH THE MESH");
    // Linkerd's TCP families: one connection, every byte read from the peer (header included) and written back.
    int read = TransportHeaderCodec.encode(header).length + "hello through the mesh".length();
    String labels = "client_id=\"\",direction=\"inbound\",peer=\"src\",tls=\"no_identity\"";
    await().atMost(Duration.ofSeconds(30)).until(() -> metrics.scrape().contains("tcp_close_total{" + labels + "} 1.0"));
    assertThat(metrics.scrape())
        .contains("tcp_open_total{" + labels + "} 1.0")
        .contains("tcp_open_connections{" + labels + "} 0.0")
        .contains("tcp_read_bytes_total{" + labels + "} " + read + ".0")
        .contains("tcp_write_bytes_total{" + labels + "} " + "HELLO THROUGH THE MESH".length() + ".0")
        .contains("tcp_connection_duration_ms_count{" + labels + "} 1");
  }

  @Test
  void aHeaderNamingTheProxysOwnPortIsRefused() throws Exception {
    assertThat(through(Header.newBuilder().setPort(4143).build(), "loop")).isEmpty();
  }

  @Test
  void aConnectionWithoutHeaderOrOriginalDestinationIsClosed() throws Exception {
    try (Socket s = new Socket("127.0.0.1", proxyPort)) {
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      s.setSoTimeout(30_000);
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
  }

  @Test
  void anApplicationThatIsNotListeningClosesTheConnection() throws Exception {
    int closed;
    try (ServerSocket s = new ServerSocket(0)) {
      closed = s.getLocalPort();
    }
    var result = Source.single(ByteString.fromString("x"))
        .via(Forwarding.viaPeerProxy(system, new InetSocketAddress("127.0.0.1", proxyPort),
            Header.newBuilder().setPort(closed).build(), io.weft.proxy.tcp.Dial.within(Duration.ofSeconds(1)), Optional.empty()))
        .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), system)
        .toCompletableFuture();
    // Connection refused upstream: the client's connection ends, with nothing from the application.
    ByteString received = result.handle((bytes, error) -> error == null ? bytes : ByteString.emptyByteString())
        .get(30, TimeUnit.SECONDS);
    assertThat(received.isEmpty()).isTrue();
  }
}
