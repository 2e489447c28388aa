package io.weft.proxy.identity;

import com.sun.net.httpserver.HttpServer;
import io.weft.protocol.identity.MeshPki;
import io.weft.proxy.ProxyPair;
import io.weft.proxy.RawHttp;
import io.weft.proxy.TestIdentities;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Certificates change under constant load and no request fails: leaves renewed every couple of
 * seconds, a new issuer from the same anchor, and a new anchor announced in a two-anchor bundle.
 * Connections between the proxies are recycled quickly, so handshakes keep happening across each
 * change (a connection that outlives a certificate proves nothing).
 */
class MeshTlsRotationTest {
  /** Short leaves: renewed at 70 %, so about every 2 s, and expired soon after if renewal failed. */
  private static final Duration LEAF_LIFETIME = Duration.ofSeconds(3);
  private static final int CLIENTS = 4;
  private static final Duration WAIT = Duration.ofSeconds(60);

  @TempDir Path manifests;
  private HttpServer app;
  private ProxyPair pair;
  private Load load;

  @BeforeEach
  void startApp() throws IOException {
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext("/", exchange -> {
      byte[] body = "ok".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    app.start();
  }

  @AfterEach
  void stop() {
    if (load != null) {
      load.stop();
    }
    if (pair != null) {
      pair.close();
    }
    app.stop(0);
  }

  private TestIdentities start(List<X509Certificate> moreAnchors) throws IOException {
    TestIdentities identities = TestIdentities.create(Optional.of(LEAF_LIFETIME), moreAnchors);
    pair = ProxyPair.start(manifests, "api", 80, app.getAddress().getPort(), Duration.ofSeconds(3), identities, p -> p,
        // Pooled connections between the proxies are replaced every half second, so new handshakes
        // (with whatever certificates are current) keep happening under the load.
        "weft.proxy.http.connection-lifetime = 500ms");
    await().atMost(WAIT).until(() -> RawHttp.get(pair.outboundPort(), "api.shop", "/warm").startsWith("HTTP/1.1 200"));
    load = new Load(pair.outboundPort());
    return identities;
  }

  @Test
  void leafRenewalUnderConstantLoadFailsNoRequest() throws Exception {
    start(List.of());
    double connections = opened();
    // Four renewals each (well past the first certificates' expiry), with handshakes going on all the while.
    await().atMost(WAIT).until(() -> refreshes(pair.inboundMetrics()) >= 5 && refreshes(pair.outboundMetrics()) >= 5
        && opened() - connections > 10);
    load.stop();
    load.assertNoFailures();
  }

  @Test
  void anIssuerRotationUnderConstantLoadFailsNoRequest() throws Exception {
    TestIdentities identities = start(List.of());
    MeshPki rotated = identities.pki().withNewIssuer(MeshPki.issuerName("linkerd", "cluster.local"),
        java.time.Instant.now(), Duration.ofDays(30));
    load.await(100);
    identities.rotate(rotated);
    await().atMost(WAIT).until(() -> issuedBy(pair.inboundIdentity(), rotated) && issuedBy(pair.outboundIdentity(), rotated));
    long after = load.succeeded();
    load.await(after + 100);
    load.stop();
    load.assertNoFailures();
  }

  @Test
  void anAnchorRotationWithATwoAnchorBundleFailsNoRequest() throws Exception {
    MeshPki next = TestIdentities.newPki();
    TestIdentities identities = start(List.of(next.anchor().certificate()));
    load.await(100);
    identities.rotate(next);
    await().atMost(WAIT).until(() -> issuedBy(pair.inboundIdentity(), next) && issuedBy(pair.outboundIdentity(), next));
    long after = load.succeeded();
    load.await(after + 100);
    load.stop();
    load.assertNoFailures();
  }

  private double opened() {
    return pair.inboundMetrics().scrape().lines().filter(l -> l.startsWith("tcp_open_total{") && l.contains("direction=\"inbound\""))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  /** Certificates obtained so far, as the proxy's identity_cert_refresh_count says. */
  private static double refreshes(io.weft.proxy.metrics.ProxyMetrics metrics) {
    return metrics.scrape().lines().filter(l -> l.startsWith("identity_cert_refresh_count "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  private static boolean issuedBy(ProxyIdentity identity, MeshPki pki) {
    return identity.credentials().current()
        .map(c -> c.chain().size() > 1 && c.chain().get(1).equals(pki.issuer().certificate())).orElse(false);
  }

  /** Clients sending requests one after another, each on its own connection to the outbound proxy, until stopped. */
  private static final class Load {
    private final AtomicBoolean running = new AtomicBoolean(true);
    private final AtomicLong succeeded = new AtomicLong();
    private final ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
    private final List<Thread> clients;

    Load(int port) {
      clients = java.util.stream.IntStream.range(0, CLIENTS).mapToObj(i -> Thread.ofVirtual().start(() -> {
        while (running.get()) {
          try {
            String response = RawHttp.get(port, "api.shop", "/load");
            if (response.startsWith("HTTP/1.1 200") && response.endsWith("ok")) {
              succeeded.incrementAndGet();
            } else {
              failures.add(response);
            }
          } catch (IOException e) {
            failures.add(e.toString());
          }
        }
      })).toList();
    }

    long succeeded() {
      return succeeded.get();
    }

    void await(long count) {
      org.awaitility.Awaitility.await().atMost(WAIT).until(() -> succeeded.get() >= count || !failures.isEmpty());
    }

    void stop() {
      running.set(false);
      for (Thread t : clients) {
        try {
          t.join(WAIT.toMillis());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
    }

    void assertNoFailures() {
      assertThat(failures).as("failed requests").isEmpty();
      assertThat(succeeded.get()).isGreaterThan(100);
    }
  }
}
