package io.weft.streams.tls;

import io.weft.protocol.identity.CertificateAuthority;
import io.weft.protocol.identity.MeshKeys;
import io.weft.streams.tcp.EventLoops;
import io.weft.streams.tcp.TcpListener;
import io.weft.streams.tcp.TcpStage;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSession;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.KeyPair;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The TLS stage over real TCP, against itself and against the JDK's SSLSocket (TLS 1.3, ECDSA P-256 as the mesh). */
class TlsStageTest {
  private static final InetSocketAddress ANY_LOOPBACK = new InetSocketAddress("127.0.0.1", 0);
  private static final char[] PASSWORD = "test".toCharArray();
  static ActorSystem system;
  static EventLoops loops;
  static SSLContext server;
  static SSLContext client;
  static SSLContext stranger;

  @BeforeAll
  static void start() throws Exception {
    system = ActorSystem.create("tls-stage-test");
    loops = EventLoops.get(system);
    Instant now = Instant.now().minusSeconds(60);
    var anchor = CertificateAuthority.trustAnchor("root.test", now, Duration.ofDays(1));
    var issuer = CertificateAuthority.issuer(anchor, "issuer.test", now, Duration.ofDays(1));
    server = context(issuer, "server.test", anchor.certificate());
    client = context(issuer, "client.test", anchor.certificate());
    var otherAnchor = CertificateAuthority.trustAnchor("other.test", now, Duration.ofDays(1));
    stranger = context(CertificateAuthority.issuer(otherAnchor, "other-issuer.test", now, Duration.ofDays(1)), "client.test",
        otherAnchor.certificate());
  }

  @AfterAll
  static void stop() {
    system.terminate();
  }

  private static SSLContext context(CertificateAuthority.Credential issuer, String name, X509Certificate anchor) throws Exception {
    KeyPair keys = MeshKeys.newKeyPair();
    X509Certificate leaf = CertificateAuthority.leaf(issuer, keys.getPublic(), name, Instant.now().minusSeconds(60), Duration.ofDays(1));
    KeyStore keyStore = KeyStore.getInstance("PKCS12");
    keyStore.load(null, null);
    keyStore.setKeyEntry(name, keys.getPrivate(), PASSWORD, new Certificate[] {leaf, issuer.certificate()});
    KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    kmf.init(keyStore, PASSWORD);
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("anchor", anchor);
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext context = SSLContext.getInstance("TLSv1.3");
    context.init(kmf.getKeyManagers(), tmf.getTrustManagers(), null);
    return context;
  }

  private static SSLEngine engine(SSLContext context, boolean clientMode) {
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(clientMode);
    SSLParameters parameters = engine.getSSLParameters();
    parameters.setProtocols(new String[] {"TLSv1.3"});
    parameters.setNeedClientAuth(!clientMode);
    engine.setSSLParameters(parameters);
    return engine;
  }

  /** A TLS server on the event loop whose application is {@code app}; {@code sessions} learns each session. */
  private static TcpListener.Binding serve(Flow<ByteString, ByteString, ?> app, CompletableFuture<SSLSession> session,
                                           CompletableFuture<Throwable> failure) throws Exception {
    return TcpListener.bind(loops, ANY_LOOPBACK, 16, system.dispatcher(), channel -> TcpStage.accepted(loops, channel)
        .join(TlsStage.create(() -> engine(server, false), session::complete).reversed()
            .join(app.watchTermination((m, done) -> done.whenComplete((d, e) -> {
              if (e != null) {
                failure.complete(e);
              }
            }))))
        .run(system));
  }

  private static CompletionStage<ByteString> exchange(SSLContext context, InetSocketAddress address, Source<ByteString, ?> payload) {
    return payload
        .via(TlsStage.create(() -> engine(context, true), s -> {}).join(TcpStage.outgoing(loops, address, Duration.ofSeconds(5), c -> {})))
        .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), system);
  }

  @Test
  void megabytesCrossBothWaysAndTheServerLearnsTheClientsCertificateFirst() throws Exception {
    byte[] bytes = new byte[3 * 1024 * 1024 + 17];
    new Random(42).nextBytes(bytes);
    CompletableFuture<SSLSession> session = new CompletableFuture<>();
    // The application's input ends only with the client's close_notify: the echo then ends its side.
    TcpListener.Binding binding = serve(Flow.create(), session, new CompletableFuture<>());
    try {
      Source<ByteString, ?> payload = Source.range(0, bytes.length / 50_000)
          .map(i -> ByteString.fromArray(bytes, i * 50_000, Math.min(50_000, bytes.length - i * 50_000)));
      byte[] back = exchange(client, binding.localAddress(), payload).toCompletableFuture().get(60, TimeUnit.SECONDS).toArray();
      assertThat(back.length).isEqualTo(bytes.length);
      assertThat(Arrays.equals(back, bytes)).isTrue();
      X509Certificate peer = (X509Certificate) session.get(10, TimeUnit.SECONDS).getPeerCertificates()[0];
      assertThat(peer.getSubjectX500Principal().getName()).isEqualTo("CN=client.test");
      assertThat(session.get().getProtocol()).isEqualTo("TLSv1.3");
    } finally {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }

  @Test
  void aHalfCloseReachesTheJdksTlsServerWhichStillAnswers() throws Exception {
    SSLServerSocket jdk = (SSLServerSocket) server.getServerSocketFactory().createServerSocket(0, 1, InetAddress.getLoopbackAddress());
    jdk.setNeedClientAuth(true);
    try (jdk) {
      Thread.ofVirtual().start(() -> {
        try (SSLSocket s = (SSLSocket) jdk.accept()) {
          byte[] all = s.getInputStream().readAllBytes(); // until the stage's close_notify
          s.getOutputStream().write(new String(all, StandardCharsets.US_ASCII).toUpperCase().getBytes(StandardCharsets.US_ASCII));
        } catch (Exception e) {
          // the test fails on what it reads
        }
      });
      ByteString answer = exchange(client, new InetSocketAddress("127.0.0.1", jdk.getLocalPort()),
          Source.from(java.util.List.of("said ", "all")).map(ByteString::fromString))
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(answer.utf8String()).isEqualTo("SAID ALL");
    }
  }

  @Test
  void aClientTheServerCannotTrustFailsAndTheServerSaysWhyWithAnAlert() throws Exception {
    CompletableFuture<SSLSession> session = new CompletableFuture<>();
    CompletableFuture<Throwable> serverFailure = new CompletableFuture<>();
    TcpListener.Binding binding = serve(Flow.create(), session, serverFailure);
    try {
      // The stranger's anchor is not the server's, nor the server's the stranger's.
      CompletionStage<ByteString> refused = exchange(stranger, binding.localAddress(),
          Source.single(ByteString.fromString("hello")).concat(Source.never()));
      assertThatThrownBy(() -> refused.toCompletableFuture().get(30, TimeUnit.SECONDS))
          .hasCauseInstanceOf(SSLHandshakeException.class);
      // The client refused the server's certificate and said so: the server fails on the alert,
      // not on a connection that merely closed.
      Throwable onServer = serverFailure.get(30, TimeUnit.SECONDS);
      assertThat(onServer).isInstanceOf(SSLHandshakeException.class);
      assertThat(onServer.getMessage()).contains("alert");
      assertThat(session).isNotDone();
    } finally {
      binding.unbind().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
  }
  @Test
  void onAnEventLoopATurnsPlaintextGoesOutInFewRecordsAndInOrder() throws Exception {
    // A graph on the loops (as the proxy runs them): client TLS → records counted → server TLS → echo.
    ActorSystem onLoops = onLoops("tls-on-loops");
    try {
      RecordCounter clientRecords = new RecordCounter();
      var wire = org.apache.pekko.stream.javadsl.BidiFlow.fromFlows(
          Flow.<ByteString>create().map(bytes -> clientRecords.count(bytes)), Flow.<ByteString>create());
      var tlsPair = TlsStage.create(() -> engine(client, true), s -> {}).atop(wire)
          .atop(TlsStage.create(() -> engine(server, false), s -> {}).reversed());
      int pieces = 400;
      byte[] sent = new byte[pieces * 40];
      new Random(3).nextBytes(sent);
      ByteString back = Source.range(0, pieces - 1).map(i -> ByteString.fromArray(sent, i * 40, 40))
          .via(tlsPair.join(Flow.create()))
          .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), onLoops)
          .toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(Arrays.equals(back.toArray(), sent)).isTrue();
      // Without collecting, each of the 400 pieces is a record of its own.
      assertThat(clientRecords.applicationRecords).isGreaterThan(0).isLessThan(pieces / 8);
    } finally {
      onLoops.terminate();
    }
  }

  @Test
  void connectionsOnOneLoopEachKeepTheirOwnPartOfARecord() throws Exception {
    // The stages of every connection on a loop share its thread's buffers: here each connection's
    // records arrive cut into pieces of a few bytes, so each holds a part record between its turns
    // while the others run.
    ActorSystem onLoops = onLoops("tls-shared-buffers");
    try {
      int connections = 12;
      java.util.List<CompletableFuture<ByteString>> echoes = new java.util.ArrayList<>();
      byte[][] sent = new byte[connections][];
      for (int c = 0; c < connections; c++) {
        sent[c] = new byte[6_000 + c];
        new Random(c).nextBytes(sent[c]);
        int toServer = 1 + c % 7;
        int toClient = 3 + c % 5;
        var wire = org.apache.pekko.stream.javadsl.BidiFlow.fromFlows(
            Flow.<ByteString>create().mapConcat(bytes -> pieces(bytes, toServer)),
            Flow.<ByteString>create().mapConcat(bytes -> pieces(bytes, toClient)));
        var tlsPair = TlsStage.create(() -> engine(client, true), s -> {}).atop(wire)
            .atop(TlsStage.create(() -> engine(server, false), s -> {}).reversed());
        byte[] bytes = sent[c];
        echoes.add(Source.range(0, 59).map(i -> ByteString.fromArray(bytes, i * 100, i == 59 ? bytes.length - i * 100 : 100))
            .via(tlsPair.join(Flow.create()))
            .runWith(Sink.fold(ByteString.emptyByteString(), ByteString::concat), onLoops).toCompletableFuture());
      }
      for (int c = 0; c < connections; c++) {
        assertThat(Arrays.equals(echoes.get(c).get(60, TimeUnit.SECONDS).toArray(), sent[c])).as("connection %d", c).isTrue();
      }
    } finally {
      onLoops.terminate();
    }
  }

  private static java.util.List<ByteString> pieces(ByteString bytes, int size) {
    java.util.List<ByteString> pieces = new java.util.ArrayList<>();
    for (int at = 0; at < bytes.size(); at += size) {
      pieces.add(bytes.slice(at, Math.min(bytes.size(), at + size)));
    }
    return pieces;
  }

  /** An actor system whose stream graphs run on its event loops, as the proxy's do. */
  private static ActorSystem onLoops(String name) {
    return ActorSystem.create(name, com.typesafe.config.ConfigFactory.parseMap(java.util.Map.of(
        "pekko.stream.materializer.dispatcher", EventLoops.DISPATCHER,
        "pekko.library-extensions", java.util.List.of("io.weft.streams.tcp.EventLoops$Id", "org.apache.pekko.stream.SystemMaterializer$")))
        .withFallback(com.typesafe.config.ConfigFactory.load()));
  }

  /** Counts the TLS records of type application_data (23) in a byte stream, across chunk boundaries. */
  private static final class RecordCounter {
    private ByteString buffered = ByteString.emptyByteString();
    int applicationRecords;

    ByteString count(ByteString bytes) {
      buffered = buffered.concat(bytes);
      while (buffered.size() >= 5) {
        int length = ((buffered.apply(3) & 0xff) << 8) | (buffered.apply(4) & 0xff);
        if (buffered.size() < 5 + length) {
          break;
        }
        if (buffered.apply(0) == 23) {
          applicationRecords++;
        }
        buffered = buffered.drop(5 + length);
      }
      return bytes;
    }
  }
}
