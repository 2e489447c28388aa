package io.weft.proxy.inbound;

import io.weft.protocol.transport.Header;
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
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** Real TCP on loopback: a client, an inbound proxy, and an echo "application". */
class InboundProxyTest {
  private ActorSystem<Void> system;
  private ServerSocket app;
  private int proxyPort;

  @BeforeEach
  void start() throws IOException {
    system = ActorSystem.create(Behaviors.empty(), "inbound-test");
    app = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(this::echo);
    InboundProxy proxy = new InboundProxy(system, new InboundProxy.Settings(Duration.ofSeconds(10), 2048, Duration.ofSeconds(1),
        Set.of(4143, 4190, 4191)));
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
        .via(Forwarding.viaPeerProxy(system, new InetSocketAddress("127.0.0.1", proxyPort), header, Duration.ofSeconds(1)))
        .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), system)
        .toCompletableFuture().get(30, TimeUnit.SECONDS).utf8String();
  }

  @Test
  void aTransportHeaderRoutesTheConnectionToThatPortOfThePod() throws Exception {
    assertThat(through(Header.newBuilder().setPort(app.getLocalPort()).build(), "hello through the mesh"))
        .isEqualTo("HELLO THROUGH THE MESH");
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
            Header.newBuilder().setPort(closed).build(), Duration.ofSeconds(1)))
        .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), system)
        .toCompletableFuture();
    // Connection refused upstream: the client's connection ends, with nothing from the application.
    ByteString received = result.handle((bytes, error) -> error == null ? bytes : ByteString.emptyByteString())
        .get(30, TimeUnit.SECONDS);
    assertThat(received.isEmpty()).isTrue();
  }
}
