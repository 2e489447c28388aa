package io.weft.proxy.outbound;

import com.sun.net.httpserver.HttpServer;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.OutboundMesh;
import io.weft.proxy.metrics.ProxyMetrics;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Circuit breaking as Linkerd 2.13+ does it: a Service annotated
 * {@code balancer.linkerd.io/failure-accrual: consecutive} has its outbound policy (served by the
 * control plane's OutboundPolicies API) carry the accrual, and the proxy's balancer ejects an
 * endpoint after that many failures in a row, then tries it again after its penalty.
 */
class FailureAccrualTest {
  private static final Duration FAILFAST = Duration.ofSeconds(3);
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String API = "api.shop.svc.cluster.local:80";
  private static final int MAX_FAILURES = 3;

  @TempDir Path manifests;
  private final List<HttpServer> servers = new ArrayList<>();
  private OutboundMesh mesh;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private final AtomicBoolean badFails = new AtomicBoolean(true);
  /** The healthy endpoint's service time: made slow once the other recovers, so P2C prefers the recovered one. */
  private final java.util.concurrent.atomic.AtomicLong goodDelayMs = new java.util.concurrent.atomic.AtomicLong();
  private final AtomicInteger badServed = new AtomicInteger();
  private final AtomicInteger goodServed = new AtomicInteger();

  private int backend(AtomicInteger served, AtomicBoolean failing, java.util.concurrent.atomic.AtomicLong delayMs) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", exchange -> {
      served.incrementAndGet();
      try {
        Thread.sleep(delayMs.get());
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      exchange.sendResponseHeaders(failing.get() ? 500 : 200, -1);
      exchange.close();
    });
    server.start();
    servers.add(server);
    return server.getAddress().getPort();
  }

  @BeforeEach
  void start() throws IOException {
    int good = backend(goodServed, new AtomicBoolean(false), goodDelayMs);
    int bad = backend(badServed, badFails, new java.util.concurrent.atomic.AtomicLong());
    Files.writeString(manifests.resolve("shop.yaml"), LocalMesh.apiService().replace("metadata: {name: api, namespace: shop}", """
        metadata:
          name: api
          namespace: shop
          annotations:
            balancer.linkerd.io/failure-accrual: consecutive
            balancer.linkerd.io/failure-accrual-consecutive-max-failures: "%d"
            balancer.linkerd.io/failure-accrual-consecutive-min-penalty: 3s
            balancer.linkerd.io/failure-accrual-consecutive-max-penalty: 6s
            balancer.linkerd.io/failure-accrual-consecutive-jitter-ratio: "0"
        """.formatted(MAX_FAILURES).stripTrailing()) + LocalMesh.loopbackPod("api-good", good) + LocalMesh.loopbackPod("api-bad", bad));
    mesh = OutboundMesh.start(manifests, FAILFAST, new ProxyMetrics());
  }

  @AfterEach
  void stop() {
    servers.forEach(s -> s.stop(0));
    mesh.close();
  }

  private int get() throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.port() + "/")).header("l5d-dst-override", API)
        .timeout(PATIENCE).build(), HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  @Test
  void aFailingEndpointIsEjectedAndBroughtBackOnceItAnswers() throws Exception {
    // The control plane's policy for the Service carries the accrual; the proxy has both endpoints.
    await().atMost(PATIENCE).until(() -> mesh.discovery().resolve(API).endpoints().size() == 2
        && mesh.discovery().policy(API).flatMap(p -> p.current()).map(p -> p.getProtocol().getDetect().getHttp1().hasFailureAccrual())
            .orElse(false));
    get(); // builds the Service's backend, which follows the policy

    // Every answer from the bad endpoint is a 500; P2C favours it (it answers fastest) until the
    // breaker opens after three in a row, and then sends it nothing for its 3 s penalty.
    int badBefore = badServed.get();
    long start = System.nanoTime();
    List<Integer> statuses = new ArrayList<>();
    for (int i = 0; i < 100; i++) {
      statuses.add(get());
    }
    long elapsedMs = (System.nanoTime() - start) / 1_000_000;
    int toBad = badServed.get() - badBefore;
    // One more probe per penalty that ran out while the requests went on.
    assertThat(toBad).as("requests that reached the failing endpoint in %s ms", elapsedMs)
        .isLessThanOrEqualTo(MAX_FAILURES + (int) (elapsedMs / 3_000) + 1);
    assertThat(statuses.stream().filter(s -> s == 200).count()).isGreaterThanOrEqualTo(100 - toBad);

    // It recovers, and the other endpoint slows down: once its penalty is over it is a candidate
    // again, and P2C sends it the requests (ejected, it would get none however slow the other is).
    badFails.set(false);
    goodDelayMs.set(50);
    await().atMost(PATIENCE).until(() -> {
      int before = badServed.get();
      for (int i = 0; i < 5; i++) {
        assertThat(get()).isEqualTo(200);
      }
      return badServed.get() - before >= 3;
    });
  }
}
