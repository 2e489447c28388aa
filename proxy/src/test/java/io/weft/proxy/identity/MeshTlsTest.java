package io.weft.proxy.identity;

import com.sun.net.httpserver.HttpServer;
import io.weft.protocol.identity.CertificateAuthority;
import io.weft.protocol.identity.MeshPki;
import io.weft.protocol.identity.TrustBundle;
import io.weft.protocol.transport.Header;
import io.weft.protocol.transport.SessionProtocol;
import io.weft.protocol.transport.TransportHeaderCodec;
import io.weft.proxy.CapturingRelay;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.ProxyPair;
import io.weft.proxy.RawHttp;
import io.weft.proxy.TestIdentities;
import io.weft.proxy.tcp.Forwarding;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Mesh TLS between two proxies: what is on the wire, who is refused, and why. */
class MeshTlsTest {
  private static final Duration FAILFAST = Duration.ofSeconds(3);
  /** The ServerHello's supported_versions extension choosing TLS 1.3 (RFC 8446 §4.2.1). */
  private static final byte[] TLS13_SELECTED = {0x00, 0x2b, 0x00, 0x02, 0x03, 0x04};
  private static final byte[] HEADER_PREFACE = "transport.l5d.io/v1\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

  @TempDir Path manifests;
  private HttpServer app;
  private final List<String> appSaw = new CopyOnWriteArrayList<>();
  private final TestIdentities identities = TestIdentities.create();
  private ProxyPair pair;
  private CapturingRelay relay;
  private ActorSystem<Void> client;

  @BeforeEach
  void startApp() throws IOException {
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext("/", exchange -> {
      appSaw.add(exchange.getRequestURI().getPath());
      byte[] body = ("app got " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    app.start();
  }

  @AfterEach
  void stop() throws IOException {
    if (pair != null) {
      pair.close();
    }
    if (relay != null) {
      relay.close();
    }
    if (client != null) {
      client.terminate();
    }
    app.stop(0);
  }

  private void startPair(boolean capture) throws IOException {
    pair = ProxyPair.start(manifests, "api", 80, app.getAddress().getPort(), FAILFAST, identities, port -> {
      if (!capture) {
        return port;
      }
      try {
        relay = new CapturingRelay(port);
        return relay.port();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    });
  }

  private String get(String path) throws IOException {
    return RawHttp.get(pair.outboundPort(), "api.shop", path);
  }

  @Test
  void theBytesBetweenTheProxiesAreTls13AndBothSidesKnowTheOthersIdentity() throws Exception {
    startPair(true);
    String marker = "/plaintext-marker-" + UUID.randomUUID();
    await().atMost(Duration.ofSeconds(30)).until(() -> get(marker).startsWith("HTTP/1.1 200"));
    assertThat(get(marker)).endsWith("app got " + marker);

    byte[] up = relay.upstream();
    byte[] down = relay.downstream();
    assertThat(up).as("a TLS handshake record opens the connection").startsWith(0x16, 0x03);
    assertThat(indexOf(down, TLS13_SELECTED)).as("the server chose TLS 1.3").isNotNegative();
    byte[] secret = marker.getBytes(StandardCharsets.US_ASCII);
    assertThat(indexOf(up, secret)).as("the request path is not in the clear").isNegative();
    assertThat(indexOf(down, secret)).as("the response body is not in the clear").isNegative();
    assertThat(indexOf(up, HEADER_PREFACE)).as("the transport header travels inside TLS").isNegative();

    assertThat(pair.inboundMetrics().scrape()).contains("client_id=\"" + ProxyPair.CLIENT_ID + "\"").contains("tls=\"true\"")
        // the TCP families too: the connection between the proxies is counted as mesh TLS from the client's identity
        .containsPattern("tcp_open_total\\{client_id=\"" + ProxyPair.CLIENT_ID.replace(".", "\\.")
            + "\",direction=\"inbound\",peer=\"src\",tls=\"true\"} [1-9]");
    assertThat(pair.outboundMetrics().scrape()).contains("server_id=\"" + ProxyPair.SERVER_ID + "\"").contains("tls=\"true\"");
  }

  @Test
  void aPlaintextClientAndAClientFromAnotherTrustAnchorAreRefused() throws Exception {
    startPair(false);
    await().atMost(Duration.ofSeconds(30)).until(() -> get("/warm").startsWith("HTTP/1.1 200"));
    int appPort = app.getAddress().getPort();
    client = LocalMesh.proxySystem();

    // A transport header in the clear, as an unmeshed client would forge one: closed unanswered.
    try (Socket plain = new Socket(InetAddress.getLoopbackAddress(), pair.inboundPort())) {
      plain.setSoTimeout(30_000);
      plain.getOutputStream().write(TransportHeaderCodec.encode(header(appPort)));
      plain.getOutputStream().write("GET /plain HTTP/1.1\r\nHost: api.shop\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
      assertThat(readAll(plain)).isEmpty();
    }

    // The same request over mesh TLS with a certificate for the right name, from an issuer of the
    // right anchor, is served: the refusal below is the anchor's doing.
    MeshPki mesh = identities.pki();
    assertThat(overMeshTls(mesh, appPort, "/trusted").utf8String()).startsWith("HTTP/1.1 200");

    MeshPki stranger = MeshPki.create("linkerd", "cluster.local", Instant.now(), Duration.ofDays(365), Duration.ofDays(30));
    assertThatThrownBy(() -> overMeshTls(stranger, appPort, "/stranger")).isInstanceOf(ExecutionException.class)
        .hasRootCauseInstanceOf(javax.net.ssl.SSLException.class);
    assertThat(appSaw).contains("/trusted").doesNotContain("/plain", "/stranger");
  }

  @Test
  void aPeerWithAnExpiredUntrustedOrWrongCertificateIsRefusedAndTheErrorSaysWhich() throws Exception {
    startPair(false);
    MeshPki mesh = identities.pki();
    MeshCredentials peer = pair.inboundIdentity().credentials();
    KeyPair keys = io.weft.protocol.identity.MeshKeys.newKeyPair();
    Instant now = Instant.now();

    peer.install(credential(keys, CertificateAuthority.leaf(mesh.issuer(), keys.getPublic(), ProxyPair.SERVER_ID,
        now.minus(Duration.ofDays(2)), Duration.ofDays(1)), mesh));
    assertThat(get("/expired")).startsWith("HTTP/1.1 502").containsPattern("l5d-proxy-error: connection failed: certificate of "
        + ProxyPair.SERVER_ID.replace(".", "\\.") + " expired at ");

    MeshPki stranger = MeshPki.create("linkerd", "cluster.local", now, Duration.ofDays(365), Duration.ofDays(30));
    peer.install(credential(keys, CertificateAuthority.leaf(stranger.issuer(), keys.getPublic(), ProxyPair.SERVER_ID,
        now.minusSeconds(60), Duration.ofDays(1)), stranger));
    assertThat(get("/untrusted")).startsWith("HTTP/1.1 502").contains("does not chain to a trusted anchor");

    String other = TestIdentities.name("other", "shop");
    peer.install(credential(keys, CertificateAuthority.leaf(mesh.issuer(), keys.getPublic(), other, now.minusSeconds(60),
        Duration.ofDays(1)), mesh));
    assertThat(get("/impostor")).startsWith("HTTP/1.1 502")
        .contains("peer presented identity " + other + " but " + ProxyPair.SERVER_ID + " was expected");
    assertThat(appSaw).doesNotContain("/expired", "/untrusted", "/impostor");
  }

  @Test
  void opaqueBytesTravelInsideMeshTlsToTheApplicationsPort() throws Exception {
    startPair(false);
    client = LocalMesh.proxySystem();
    try (java.net.ServerSocket echo = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread.ofVirtual().start(() -> {
        try (Socket s = echo.accept()) {
          s.getInputStream().transferTo(s.getOutputStream());
        } catch (IOException e) {
          // the test fails on what it did not get back
        }
      });
      // What OutboundOpaque sends a meshed endpoint: mTLS to the peer's inbound port, then a
      // transport header without a session protocol, then the connection's bytes as they are.
      ByteString payload = ByteString.fromArray(new byte[] {0, 1, 2, (byte) 0xff, 'n', 'o', 't', ' ', 'h', 't', 't', 'p'});
      MeshTls tls = clientTls(identities.pki());
      ByteString echoed = Source.single(payload).concat(Source.never())
          .via(Forwarding.viaPeerProxy(client, new InetSocketAddress("127.0.0.1", pair.inboundPort()),
              Header.newBuilder().setPort(echo.getLocalPort()).build(), io.weft.proxy.tcp.Dial.within(Duration.ofSeconds(5)),
              Optional.of(tls.client(ProxyPair.SERVER_ID))))
          .scan(ByteString.emptyByteString(), ByteString::concat)
          .takeWhile(received -> received.size() < payload.size(), true)
          .completionTimeout(Duration.ofSeconds(30))
          .runWith(Sink.last(), client).toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertThat(echoed).isEqualTo(payload);
    }
  }

  @Test
  void aHalfCloseCrossesMeshTlsAndTheAnswerComesBack() throws Exception {
    startPair(false);
    client = LocalMesh.proxySystem();
    try (java.net.ServerSocket app = new java.net.ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
      Thread.ofVirtual().start(() -> {
        // An application that answers once its client has said all: it reads to the end of input.
        try (Socket s = app.accept()) {
          byte[] all = s.getInputStream().readAllBytes();
          s.getOutputStream().write(new String(all, java.nio.charset.StandardCharsets.US_ASCII).toUpperCase()
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
        } catch (IOException e) {
          // the test fails on what it did not get back
        }
      });
      MeshTls tls = clientTls(identities.pki());
      // The source ends after the request: the client's side closes (close_notify, then FIN) while
      // the answer has yet to come, and both proxies keep the other direction open for it.
      ByteString answer = Source.single(ByteString.fromString("said all"))
          .via(Forwarding.viaPeerProxy(client, new InetSocketAddress("127.0.0.1", pair.inboundPort()),
              Header.newBuilder().setPort(app.getLocalPort()).build(), io.weft.proxy.tcp.Dial.within(Duration.ofSeconds(5)),
              Optional.of(tls.client(ProxyPair.SERVER_ID))))
          .completionTimeout(Duration.ofSeconds(30))
          .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), client).toCompletableFuture().get(60, TimeUnit.SECONDS);
      assertThat(answer.utf8String()).isEqualTo("SAID ALL");
    }
  }

  private ByteString overMeshTls(MeshPki issuerOf, int appPort, String path) throws Exception {
    MeshTls tls = clientTls(issuerOf);
    return Source.single(ByteString.fromString("GET " + path + " HTTP/1.1\r\nHost: api.shop\r\nConnection: close\r\n\r\n"))
        .concat(Source.never())
        .via(Forwarding.viaPeerProxy(client, new InetSocketAddress("127.0.0.1", pair.inboundPort()), header(appPort),
            io.weft.proxy.tcp.Dial.within(Duration.ofSeconds(5)), Optional.of(tls.client(ProxyPair.SERVER_ID))))
        .completionTimeout(Duration.ofSeconds(30))
        .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), client)
        .toCompletableFuture().get(60, TimeUnit.SECONDS);
  }

  /** The client proxy's mesh TLS, its certificate from {@code issuerOf}, trusting the mesh's anchors. */
  private MeshTls clientTls(MeshPki issuerOf) {
    KeyPair keys = io.weft.protocol.identity.MeshKeys.newKeyPair();
    MeshCredentials credentials = new MeshCredentials();
    credentials.install(credential(keys, CertificateAuthority.leaf(issuerOf.issuer(), keys.getPublic(), ProxyPair.CLIENT_ID,
        Instant.now().minusSeconds(60), Duration.ofDays(1)), issuerOf));
    return new MeshTls(ProxyPair.CLIENT_ID, identities.anchors(), credentials, Clock.systemUTC());
  }

  private static MeshCredentials.Credential credential(KeyPair keys, java.security.cert.X509Certificate leaf, MeshPki issuer) {
    return new MeshCredentials.Credential(keys.getPrivate(), List.of(leaf, issuer.issuer().certificate()));
  }

  private static Header header(int port) {
    return Header.newBuilder().setPort(port)
        .setSessionProtocol(SessionProtocol.newBuilder().setHttp1(SessionProtocol.Http1.getDefaultInstance())).build();
  }

  private static byte[] readAll(Socket socket) throws IOException {
    try {
      return socket.getInputStream().readAllBytes();
    } catch (java.net.SocketException reset) {
      return new byte[0]; // reset by the proxy: refused just the same
    }
  }

  private static int indexOf(byte[] haystack, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= haystack.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (haystack[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
