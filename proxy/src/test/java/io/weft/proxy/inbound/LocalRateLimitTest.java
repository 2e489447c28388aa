package io.weft.proxy.inbound;

import com.sun.net.httpserver.HttpServer;
import io.weft.proxy.PolicyMesh;
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
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An HTTPLocalRateLimitPolicy on a Server holds through the mesh: a meshed client sending far over
 * the limit for ten seconds gets the limit's worth of answers (within 5 %), the rest 429 with
 * {@code l5d-proxy-error}, each counted in {@code inbound_http_local_ratelimit_total}.
 */
class LocalRateLimitTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final int LIMIT = 50;
  private static final Duration WINDOW = Duration.ofSeconds(10);
  private static final int SENDERS = 4;

  @TempDir Path manifests;
  private HttpServer web;
  private PolicyMesh mesh;
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .executor(Executors.newVirtualThreadPerTaskExecutor()).build();

  @BeforeEach
  void start() throws IOException {
    web = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    web.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    web.createContext("/", exchange -> {
      exchange.sendResponseHeaders(200, -1);
      exchange.close();
    });
    web.start();
    mesh = PolicyMesh.start(manifests, "emojivoto", "web", "http", 80, web.getAddress().getPort(), "/ping", "vote-bot");
  }

  @AfterEach
  void stop() {
    web.stop(0);
    if (mesh != null) {
      mesh.close();
    }
  }

  private HttpResponse<Void> call() throws Exception {
    return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.client("vote-bot").outboundPort() + "/api/vote"))
        .header("l5d-dst-override", "web.emojivoto.svc.cluster.local:80").timeout(PATIENCE).build(), HttpResponse.BodyHandlers.discarding());
  }

  @Test
  void theTotalLimitHoldsWithinFivePercentOverTenSeconds() throws Exception {
    Files.writeString(manifests.resolve("limit.yaml"), """
        apiVersion: policy.linkerd.io/v1beta3
        kind: Server
        metadata: {name: web-http, namespace: emojivoto}
        spec: {podSelector: {matchLabels: {app: web}}, port: http, proxyProtocol: HTTP/1}
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: web-from-vote-bot, namespace: emojivoto}
        spec:
          targetRef: {group: policy.linkerd.io, kind: Server, name: web-http}
          requiredAuthenticationRefs: [{kind: ServiceAccount, name: vote-bot}]
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: HTTPLocalRateLimitPolicy
        metadata: {name: web-rl, namespace: emojivoto}
        spec:
          targetRef: {group: policy.linkerd.io, kind: Server, name: web-http}
          total: {requestsPerSecond: %d}
        """.formatted(LIMIT));
    // In force once a quick burst runs into it.
    await().atMost(PATIENCE).until(() -> {
      for (int i = 0; i < LIMIT; i++) {
        if (call().statusCode() == 429) {
          return true;
        }
      }
      return false;
    });
    HttpResponse<Void> limited;
    do {
      limited = call();
    } while (limited.statusCode() != 429);
    assertThat(limited.headers().firstValue("l5d-proxy-error")).contains("rate limit exceeded");

    // Ten seconds of load far over the limit, starting with the meter drained.
    AtomicInteger passed = new AtomicInteger();
    AtomicInteger refused = new AtomicInteger();
    AtomicInteger other = new AtomicInteger();
    long end = System.nanoTime() + WINDOW.toNanos();
    List<Thread> senders = new ArrayList<>();
    for (int i = 0; i < SENDERS; i++) {
      senders.add(Thread.ofPlatform().start(() -> {
        while (System.nanoTime() < end) {
          try {
            switch (call().statusCode()) {
              case 200 -> passed.incrementAndGet();
              case 429 -> refused.incrementAndGet();
              default -> other.incrementAndGet();
            }
          } catch (Exception e) {
            other.incrementAndGet();
          }
        }
      }));
    }
    for (Thread sender : senders) {
      sender.join();
    }
    int expected = LIMIT * (int) WINDOW.toSeconds();
    assertThat(other.get()).as("nothing but answers and refusals").isZero();
    assertThat(refused.get()).as("the load was well over the limit").isGreaterThan(expected);
    assertThat(passed.get()).as("within 5 %% of %d", expected).isBetween((int) (expected * 0.95), (int) (expected * 1.05));
    assertThat(mesh.serverMetrics().scrape()).containsPattern("inbound_http_local_ratelimit_total\\{[^}]*ratelimit_group=\"policy.linkerd.io\","
        + "ratelimit_kind=\"HTTPLocalRateLimitPolicy\",ratelimit_name=\"web-rl\",ratelimit_scope=\"total\",srv_group=\"policy.linkerd.io\","
        + "srv_kind=\"server\",srv_name=\"web-http\"");
  }
}
