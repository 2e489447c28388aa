package io.weft.proxy.outbound;

import io.weft.proxy.ProxyPair;
import io.weft.proxy.tcp.RedirectRules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An SMTP-style server, which greets first, behind the proxy pair (client → iptables → outbound
 * proxy → mesh TLS → inbound proxy → server): the client, which waits for the greeting before it
 * says anything, gets it at once — the first time after the proxy's short probe, and from then on
 * (the proxy remembers the server speaks first) within 50 ms of connect — not after the 10 s detect
 * timeout. And a Service port the control plane marks opaque skips detection outright.
 */
class ServerSpeaksFirstTest {
  private static final String GREETING = "220 mail.shop ESMTP ready";
  private static final Duration FAILFAST = Duration.ofSeconds(3);
  private static final long ADDED_MS = 50;
  /** The first, probed greeting: cold (discovery, TLS, JIT) but nowhere near the detect timeout. */
  private static final long PROBED_MS = 2_000;
  private static final int WARM_UP = 40;
  private static final int ROUNDS = 9;
  /** An opaque Service in front of the same pod; nothing listens at its cluster IP. */
  private static final String OPAQUE_CLUSTER_IP = "127.11.30.1";
  private static final int OPAQUE_PORT = 2525;

  @TempDir Path manifests;
  private final RedirectRules rules = new RedirectRules();
  private ServerSocket server;
  private ProxyPair pair;
  private final AtomicInteger accepted = new AtomicInteger();

  @BeforeEach
  void start() throws IOException {
    assumeTrue(System.getenv("CI") != null || RedirectRules.usable(), "needs root and iptables");
    server = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress());
    var threads = Executors.newVirtualThreadPerTaskExecutor();
    threads.submit(() -> {
      while (!server.isClosed()) {
        Socket s = server.accept();
        accepted.incrementAndGet();
        threads.submit(() -> converse(s));
      }
      return null;
    });
    pair = ProxyPair.start(manifests, "mail", 8025, server.getLocalPort(), FAILFAST);
  }

  /** Greets, then answers each line with 250 and the line, until QUIT. */
  private static Void converse(Socket socket) throws IOException {
    try (socket) {
      OutputStream out = socket.getOutputStream();
      out.write((GREETING + "\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      BufferedReader in = new BufferedReader(new InputStreamReader(socket.getInputStream(), StandardCharsets.US_ASCII));
      for (String line = in.readLine(); line != null; line = in.readLine()) {
        if (line.equals("QUIT")) {
          out.write("221 bye\r\n".getBytes(StandardCharsets.US_ASCII));
          return null;
        }
        out.write(("250 " + line + "\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
    }
    return null;
  }

  @AfterEach
  void stop() throws Exception {
    rules.close();
    if (pair != null) {
      pair.close();
    }
    if (server != null) {
      server.close();
    }
  }

  /**
   * A client session to {@code ip:port} (redirected to the outbound proxy when {@code proxied});
   * milliseconds from connect to the greeting. A {@code patient} client waits for the greeting
   * before it says anything, as an SMTP or MySQL client does; an impatient one says EHLO at once.
   */
  private long session(String ip, int port, boolean proxied, boolean patient) throws Exception {
    int source = RedirectRules.freePort();
    if (proxied) {
      rules.redirect(source, ip, port, pair.outboundPort());
    }
    try (Socket s = new Socket()) {
      s.setReuseAddress(true);
      s.setTcpNoDelay(true);
      s.bind(new InetSocketAddress("127.0.0.1", source));
      s.setSoTimeout(30_000);
      s.connect(new InetSocketAddress(ip, port), 5_000);
      long connected = System.nanoTime();
      if (!patient) {
        s.getOutputStream().write("EHLO client\r\n".getBytes(StandardCharsets.US_ASCII));
      }
      BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII));
      assertThat(in.readLine()).isEqualTo(GREETING);
      long greeted = System.nanoTime();
      s.getOutputStream().write(((patient ? "EHLO client\r\n" : "") + "QUIT\r\n").getBytes(StandardCharsets.US_ASCII));
      assertThat(in.readLine()).isEqualTo("250 EHLO client");
      assertThat(in.readLine()).isEqualTo("221 bye");
      return (greeted - connected) / 1_000_000;
    }
  }

  private long session(String ip, int port, boolean proxied) throws Exception {
    return session(ip, port, proxied, true);
  }

  private static long median(List<Long> values) {
    return values.stream().sorted().toList().get(values.size() / 2);
  }

  @Test
  void theServersGreetingComesThroughAtOnce() throws Exception {
    int port = server.getLocalPort();
    // The first patient client of this server: the proxy waits its quiet period, connects, and the
    // server's greeting makes the connection opaque — far from the 10 s detect timeout.
    long probed = session("127.0.0.1", port, true, true);
    assertThat(probed).as("the probed greeting").isLessThan(PROBED_MS);
    // The first sessions warm discovery, mesh TLS and the JIT.
    for (int i = 0; i < WARM_UP; i++) {
      session("127.0.0.1", port, true, i % 2 == 0);
    }
    // The proxy remembers that this server speaks first: a patient client now gets the greeting once
    // the connection through the pair is made (mesh TLS, the peer's transport header), with no
    // detection and no quiet period; a client that speaks first is relayed the same way.
    List<Long> patient = new ArrayList<>();
    List<Long> speaksFirst = new ArrayList<>();
    List<Long> direct = new ArrayList<>();
    for (int i = 0; i < ROUNDS; i++) {
      direct.add(session("127.0.0.1", port, false));
      speaksFirst.add(session("127.0.0.1", port, true, false));
      patient.add(session("127.0.0.1", port, true, true));
    }
    assertThat(median(patient))
        .as("greeting within %s ms of connect (direct %s ms, client speaking first %s ms, patient %s ms)",
            ADDED_MS, direct, speaksFirst, patient)
        .isLessThan(ADDED_MS);
    // It went through the mesh: the pair counted the connection as opaque on both sides.
    assertThat(pair.outboundMetrics().scrape()).containsPattern("tcp_protocol_detected_total\\{direction=\"outbound\",protocol=\"opaque\"} [1-9]");
    assertThat(pair.inboundMetrics().scrape()).contains("client_id=\"" + ProxyPair.CLIENT_ID + "\"");
  }

  @Test
  void aPortMarkedOpaqueSkipsDetection() throws Exception {
    Files.writeString(manifests.resolve("opaque.yaml"), """
        apiVersion: v1
        kind: Service
        metadata: {name: relay, namespace: shop, annotations: {config.linkerd.io/opaque-ports: "%d"}}
        spec:
          clusterIP: %s
          selector: {app: mail}
          ports: [{name: app, port: %d, targetPort: app}]
        """.formatted(OPAQUE_PORT, OPAQUE_CLUSTER_IP, OPAQUE_PORT));
    String relay = OPAQUE_CLUSTER_IP + ":" + OPAQUE_PORT;
    // The pod behind the Service, not the cluster IP itself: a lookup that reaches the control plane
    // before the Service does is answered as an address nothing owns, and then follows the Service.
    await().atMost(Duration.ofSeconds(30)).until(() -> pair.discovery().resolve(relay).endpoints().size() == 1
        && !pair.discovery().resolve(relay).endpoints().containsKey(relay)
        && pair.discovery().profile(relay).current().map(p -> p.getOpaqueProtocol()).orElse(false));
    session(OPAQUE_CLUSTER_IP, OPAQUE_PORT, true);
    // Even a client that speaks first is relayed untouched: an HTTP request is bytes here, not a request.
    int source = RedirectRules.freePort();
    rules.redirect(source, OPAQUE_CLUSTER_IP, OPAQUE_PORT, pair.outboundPort());
    try (Socket s = new Socket()) {
      s.setReuseAddress(true);
      s.bind(new InetSocketAddress("127.0.0.1", source));
      s.setSoTimeout(30_000);
      s.connect(new InetSocketAddress(OPAQUE_CLUSTER_IP, OPAQUE_PORT), 5_000);
      s.getOutputStream().write("GET / HTTP/1.1\r\nHost: relay\r\n\r\nQUIT\r\n".getBytes(StandardCharsets.US_ASCII));
      String answer = new String(s.getInputStream().readAllBytes(), StandardCharsets.US_ASCII);
      assertThat(answer).startsWith(GREETING).contains("250 GET / HTTP/1.1").contains("221 bye");
    }
    assertThat(pair.outboundMetrics().scrape()).doesNotContain("request_total{")
        .doesNotContain("protocol=\"http1\"");
  }
}
