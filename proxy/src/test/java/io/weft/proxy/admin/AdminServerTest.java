package io.weft.proxy.admin;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import io.weft.streams.tcp.TcpListener;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.assertj.core.api.Assertions.assertThat;

/** Real HTTP requests against the admin server on loopback. */
class AdminServerTest {
  private ActorSystem<Void> system;
  private TcpListener.Binding binding;
  private final AtomicBoolean ready = new AtomicBoolean();
  private final AtomicBoolean shutDown = new AtomicBoolean();
  // HTTP/1.1 as kubelet probes and Prometheus use it.
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private void start(boolean shutdownEnabled) {
    system = ActorSystem.create(Behaviors.empty(), "admin-test");
    var hooks = new AdminServer.Hooks(ready::get, () -> "# TYPE request_total counter\nrequest_total{direction=\"inbound\"} 3\n",
        new LogLevels("warn,linkerd=info"), shutdownEnabled, () -> shutDown.set(true),
        Map.of("LINKERD2_PROXY_LOG", "warn,linkerd=info", "HOME", "/root",
            "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS", "-----BEGIN\n\"x\"\t\\\u0001"));
    binding = new AdminServer(hooks).bind(system, new InetSocketAddress("127.0.0.1", 0));
  }

  @AfterEach
  void stop() {
    if (system != null) {
      system.terminate();
    }
  }

  private HttpResponse<String> send(String method, String path, String body) throws Exception {
    var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + path))
        .method(method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)).build();
    return http.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void probesMetricsAndEnv() throws Exception {
    start(false);
    assertThat(send("GET", "/live", null).body()).isEqualTo("live\n");
    var notReady = send("GET", "/ready", null);
    assertThat(notReady.statusCode()).isEqualTo(503);
    assertThat(notReady.body()).isEqualTo("not ready\n");
    ready.set(true);
    assertThat(send("GET", "/ready", null).body()).isEqualTo("ready\n");
    assertThat(send("GET", "/metrics", null).body()).contains("request_total{direction=\"inbound\"} 3");
    String env = send("GET", "/env.json", null).body();
    assertThat(env).contains("LINKERD2_PROXY_LOG").doesNotContain("HOME");
    // Valid JSON, values escaped (a trust bundle is a multi-line PEM; anything may hold a quote).
    var parsed = new com.fasterxml.jackson.databind.ObjectMapper().readTree(env);
    assertThat(parsed.get("LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS").asText()).isEqualTo("-----BEGIN\n\"x\"\t\\\u0001");
    assertThat(send("GET", "/nope", null).statusCode()).isEqualTo(404);
    assertThat(send("GET", "/ready?verbose", null).body()).isEqualTo("ready\n");
    var head = send("HEAD", "/ready", null);
    assertThat(head.statusCode()).isEqualTo(200);
    assertThat(head.body()).isEmpty();
    assertThat(send("POST", "/ready", "").statusCode()).isEqualTo(405);
  }

  @Test
  void shutdownIsPostOnlyAndOffUnlessEnabled() throws Exception {
    start(false);
    var disabled = send("POST", "/shutdown", "");
    assertThat(disabled.statusCode()).isEqualTo(404);
    assertThat(disabled.body()).isEqualTo("shutdown endpoint is not enabled\n");
    assertThat(shutDown).isFalse();
    system.terminate();
    start(true);
    assertThat(send("GET", "/shutdown", null).statusCode()).isEqualTo(405);
    assertThat(shutDown).isFalse();
    assertThat(send("POST", "/shutdown", "").statusCode()).isEqualTo(200);
    assertThat(shutDown).isTrue();
  }

  @Test
  void logLevelIsReadAndChangedAndBadLevelsAreRefused() throws Exception {
    start(false);
    assertThat(send("GET", "/proxy-log-level", null).body()).isEqualTo("warn,linkerd=info\n");
    assertThat(send("PUT", "/proxy-log-level", "info,linkerd=debug").statusCode()).isEqualTo(204);
    assertThat(send("GET", "/proxy-log-level", null).body()).isEqualTo("info,linkerd=debug\n");
    assertThat(org.slf4j.LoggerFactory.getLogger("io.weft.proxy").isDebugEnabled()).isTrue();
    var bad = send("PUT", "/proxy-log-level", "linkerd=loud");
    assertThat(bad.statusCode()).isEqualTo(400);
    assertThat(bad.body()).contains("'loud' is not one of");
    assertThat(send("GET", "/proxy-log-level", null).body()).isEqualTo("info,linkerd=debug\n");
    // A body past the head limit (64 KiB) is refused, not read into memory; the connection serves on.
    assertThat(send("PUT", "/proxy-log-level", "x".repeat(100_000)).statusCode()).isEqualTo(413);
    assertThat(send("GET", "/proxy-log-level", null).body()).isEqualTo("info,linkerd=debug\n");
    // A new level replaces the last whole: Weft's code follows the root again.
    assertThat(send("PUT", "/proxy-log-level", "warn").statusCode()).isEqualTo(204);
    assertThat(org.slf4j.LoggerFactory.getLogger("io.weft.proxy").isInfoEnabled()).isFalse();
  }

  @Test
  void forwardedForHeadersDoNotDecideWhoIsLocal() throws Exception {
    start(true);
    // A local caller claiming to be remote is still local: only the connection's address counts.
    var request = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + binding.localAddress().getPort() + "/shutdown"))
        .header("X-Forwarded-For", "203.0.113.9").POST(HttpRequest.BodyPublishers.noBody()).build();
    assertThat(http.send(request, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200);
  }
}
