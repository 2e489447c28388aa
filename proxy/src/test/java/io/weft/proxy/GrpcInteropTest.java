package io.weft.proxy;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import java.io.IOException;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * grpc-java's standard interop client → outbound proxy → (transport header, HTTP/2) → inbound
 * proxy → grpc-java's interop server, each peer in its own JVM, for every standard test case.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class GrpcInteropTest {
  private static final Duration FAILFAST = Duration.ofSeconds(3);
  private static final String AUTHORITY = "interop.shop.svc.cluster.local:8080";
  private static final long CASE_TIMEOUT_SECONDS = 60;
  /** Cases whose call the client may cancel, or time out, before any of it leaves the client. */
  private static final Set<String> MAY_END_IN_THE_CLIENT = Set.of("cancel_after_begin", "timeout_on_sleeping_server");

  private Process server;
  private ProxyPair pair;

  @BeforeAll
  void startMesh(@TempDir Path manifests) throws Exception {
    int serverPort = LocalMesh.freePort();
    server = GrpcInterop.server(serverPort, manifests.resolve("server.log"));
    // Two event loops per proxy, as LINKERD2_PROXY_CORES=2 gives: graphs and their connections
    // spread over both loops, so requests cross between them (the other tests run one loop).
    pair = ProxyPair.start(manifests, "interop", 8080, serverPort, FAILFAST, TestIdentities.create(), port -> port,
        "weft.streams.tcp.event-loops = 2");
  }

  @AfterAll
  void stopMesh() {
    if (server != null) {
      server.destroyForcibly();
    }
    if (pair != null) {
      pair.close();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"empty_unary", "large_unary", "client_streaming", "server_streaming", "ping_pong",
      "empty_stream", "cancel_after_begin", "cancel_after_first_response", "timeout_on_sleeping_server",
      "custom_metadata", "status_code_and_message", "special_status_message", "unimplemented_method"})
  void standardCasePassesThroughTheProxyPair(String testCase) throws Exception {
    double inboundBytes = ProxyPair.total(pair.inboundMetrics(), "tcp_read_bytes_total");
    double requests = ProxyPair.total(pair.outboundMetrics(), "request_total");
    Process client = GrpcInterop.client(pair.outboundPort(), AUTHORITY, testCase).redirectErrorStream(true).start();
    boolean exited = client.waitFor(CASE_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!exited) {
      client.destroyForcibly();
    }
    assertThat(exited).as("%s finished within %d s; output:%n%s", testCase, CASE_TIMEOUT_SECONDS, output).isTrue();
    assertThat(client.exitValue()).as("%s exit status; output:%n%s", testCase, output).isZero();
    assertThat(output).contains("Test completed.");
    if (MAY_END_IN_THE_CLIENT.contains(testCase)) {
      return;
    }
    // It went through both proxies: the outbound one counted it, the inbound one relayed its bytes.
    assertThat(ProxyPair.total(pair.outboundMetrics(), "request_total")).isGreaterThan(requests);
    assertThat(ProxyPair.total(pair.inboundMetrics(), "tcp_read_bytes_total")).isGreaterThan(inboundBytes);
  }
}
