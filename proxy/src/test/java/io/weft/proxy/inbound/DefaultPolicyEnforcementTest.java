package io.weft.proxy.inbound;

import com.sun.net.httpserver.HttpServer;
import io.weft.protocol.net.Cidr;
import io.weft.proxy.GrpcInterop;
import io.weft.proxy.ProxyPair;
import io.weft.protocol.policy.DefaultPolicy;
import io.weft.proxy.policy.InboundPolicy;
import io.weft.proxy.tcp.EchoServer;
import io.weft.proxy.tcp.RedirectRules;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.Executors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * The inbound proxy enforces its default policy ({@code LINKERD2_PROXY_INBOUND_DEFAULT_POLICY}) on
 * real connections: a meshed client (through the outbound proxy, mesh TLS with its identity) and an
 * unmeshed one (plaintext, redirected by iptables), both from 127.0.0.1, with the cluster's
 * networks either holding that address or not; over HTTP/1.1, HTTP/2 (curl, prior knowledge), gRPC
 * (grpc-java's interop client meshed, a curl gRPC call unmeshed, to grpc-java's interop server) and
 * TCP. Denied HTTP gets 403 with {@code l5d-proxy-error}, denied gRPC {@code PERMISSION_DENIED};
 * denied TCP is closed; each decision is counted in Linkerd's families.
 */
class DefaultPolicyEnforcementTest {
  private static final Duration FAILFAST = Duration.ofSeconds(3);
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String APP_IP = "127.0.0.1";

  private static final String GRPC_AUTHORITY = "interop.shop.svc.cluster.local:8080";
  /** An empty gRPC message (uncompressed, length 0): grpc.testing.Empty. */
  private static final String EMPTY_MESSAGE = "\u0000\u0000\u0000\u0000\u0000";

  private static Process grpcServer;
  private static int grpcPort;

  @TempDir Path manifests;
  private HttpServer app;
  private EchoServer echo;
  private ProxyPair pair;
  private final RedirectRules rules = new RedirectRules();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  @BeforeAll
  static void startGrpcServer(@TempDir Path logs) throws Exception {
    grpcPort = RedirectRules.freePort();
    grpcServer = GrpcInterop.server(grpcPort, logs.resolve("server.log"));
  }

  @AfterAll
  static void stopGrpcServer() {
    if (grpcServer != null) {
      grpcServer.destroyForcibly();
    }
  }

  /** Runs a command to its end; its output (stdout and stderr). */
  private static String run(ProcessBuilder command) throws Exception {
    Process p = command.redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
    assertThat(p.waitFor(60, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
    return out + "\nexit " + p.exitValue();
  }

  /** A meshed gRPC call: grpc-java's interop client through the outbound proxy. */
  private String meshedGrpc() throws Exception {
    return run(GrpcInterop.client(pair.outboundPort(), GRPC_AUTHORITY, "empty_unary"));
  }

  /** A meshed HTTP/2 request (curl, prior knowledge) to the gRPC server's pod through the outbound proxy: curl's verbose output. */
  private String meshedHttp2() throws Exception {
    return run(new ProcessBuilder("curl", "-sv", "--http2-prior-knowledge", "--max-time", "20", "-H", "l5d-dst-override: " + GRPC_AUTHORITY,
        "http://127.0.0.1:" + pair.outboundPort() + "/"));
  }

  /** An unmeshed HTTP/2 request, or gRPC call when {@code grpc}, to the gRPC server's port, redirected to the inbound proxy. */
  private String unmeshedHttp2(boolean grpc) throws Exception {
    int source = RedirectRules.freePort();
    rules.redirect(source, APP_IP, grpcPort, pair.inboundPort());
    List<String> command = new java.util.ArrayList<>(List.of("curl", "-sv", "--http2-prior-knowledge", "--max-time", "20",
        "--local-port", Integer.toString(source)));
    if (grpc) {
      Path body = manifests.resolve("empty.grpc");
      Files.writeString(body, EMPTY_MESSAGE, StandardCharsets.ISO_8859_1);
      command.addAll(List.of("-H", "content-type: application/grpc", "-H", "te: trailers", "--data-binary", "@" + body,
          "http://" + APP_IP + ":" + grpcPort + "/grpc.testing.TestService/EmptyCall"));
    } else {
      command.add("http://" + APP_IP + ":" + grpcPort + "/");
    }
    return run(new ProcessBuilder(command));
  }

  /** Whether curl's verbose output shows the proxy's own 403. */
  private static boolean refusedByProxy(String curl) {
    return curl.contains("< HTTP/2 403") && curl.contains("< l5d-proxy-error: unauthorized request");
  }

  @BeforeEach
  void start() throws IOException {
    app = HttpServer.create(new InetSocketAddress(APP_IP, 0), 0);
    app.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    app.createContext("/", exchange -> {
      byte[] body = "app".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    app.start();
    echo = new EchoServer();
  }

  @AfterEach
  void stop() throws Exception {
    rules.close();
    app.stop(0);
    echo.close();
    if (pair != null) {
      pair.close();
    }
  }

  private HttpResponse<String> meshed() throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + pair.outboundPort() + "/"))
        .header("l5d-dst-override", "api.shop.svc.cluster.local:80").timeout(PATIENCE).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A plaintext connection to {@code port} of the pod, redirected to the inbound proxy as iptables would. */
  private String unmeshed(int port, String payload) throws Exception {
    int source = RedirectRules.freePort();
    rules.redirect(source, APP_IP, port, pair.inboundPort());
    return RedirectRules.send(source, APP_IP, port, payload);
  }

  /**
   * A meshed TCP connection: the application connects to the opaque echo Service's cluster IP,
   * redirected to the outbound proxy; the proxies carry it over mesh TLS.
   */
  private String meshedTcp(String payload) throws Exception {
    return EchoServer.meshed(rules, pair.outboundPort(), payload);
  }

  @ParameterizedTest(name = "{0} with cluster networks {1}: meshed allowed {2}, unmeshed allowed {3}")
  @CsvSource({
      "all-unauthenticated,     127.0.0.0/8, true,  true",
      "all-unauthenticated,     10.0.0.0/8,  true,  true",
      "all-authenticated,       127.0.0.0/8, true,  false",
      "all-authenticated,       10.0.0.0/8,  true,  false",
      "cluster-unauthenticated, 127.0.0.0/8, true,  true",
      "cluster-unauthenticated, 10.0.0.0/8,  false, false",
      "cluster-authenticated,   127.0.0.0/8, true,  false",
      "cluster-authenticated,   10.0.0.0/8,  false, false",
      "deny,                    127.0.0.0/8, false, false",
      "deny,                    10.0.0.0/8,  false, false",
      "audit,                   127.0.0.0/8, true,  true",
      "audit,                   10.0.0.0/8,  true,  true"})
  void theDefaultPolicyDecidesWhoReachesTheApplication(String policy, String networks, boolean meshedAllowed, boolean unmeshedAllowed)
      throws Exception {
    assumeTrue(System.getenv("CI") != null || RedirectRules.usable(), "needs root and iptables");
    pair = ProxyPair.start(manifests, "api", 80, app.getAddress().getPort(), FAILFAST,
        new InboundPolicy(DefaultPolicy.parse(policy), List.of(Cidr.parse(networks))));
    Files.writeString(manifests.resolve("interop.yaml"), """
        apiVersion: v1
        kind: Service
        metadata: {name: interop, namespace: shop}
        spec:
          selector: {app: interop}
          ports: [{name: grpc, port: 8080, targetPort: grpc}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: interop-0, namespace: shop, labels: {app: interop}}
        spec: {containers: [{name: interop, ports: [{name: grpc, containerPort: %d}]}]}
        status:
          podIP: 127.0.0.1
          phase: Running
          conditions: [{type: Ready, status: "True"}]
        ---
        """.formatted(grpcPort) + echo.service("api"));

    // Meshed: once discovery has the endpoint, the answer is the application's or the policy's 403.
    await().atMost(PATIENCE).until(() -> {
      int status = meshed().statusCode();
      return status == 200 || status == 403;
    });
    HttpResponse<String> response = meshed();
    if (meshedAllowed) {
      assertThat(response.statusCode()).isEqualTo(200);
      assertThat(response.body()).isEqualTo("app");
    } else {
      assertThat(response.statusCode()).isEqualTo(403);
      assertThat(response.headers().firstValue("l5d-proxy-error")).contains("unauthorized request");
    }

    // Unmeshed HTTP: 200 or 403 from the inbound proxy itself.
    String http = unmeshed(app.getAddress().getPort(), "GET / HTTP/1.1\r\nHost: api\r\nConnection: close\r\n\r\n");
    assertThat(http).startsWith(unmeshedAllowed ? "HTTP/1.1 200" : "HTTP/1.1 403");
    // Unmeshed TCP (bytes that are no HTTP): relayed to the application, or closed unanswered.
    String tcp = unmeshed(echo.port(), "\u0000\u0001 not http");
    if (unmeshedAllowed) {
      assertThat(tcp).isEqualTo("echo: \u0000\u0001 not http");
    } else {
      assertThat(tcp).as("closed without a byte").isEmpty();
    }

    // HTTP/2 and gRPC, meshed: once discovery has the interop pod, the proxy's 403 / PERMISSION_DENIED,
    // or the application's own answer (grpc-java refuses a plain GET itself, without l5d-proxy-error).
    await().atMost(PATIENCE).until(() -> {
      String h2 = meshedHttp2();
      return h2.contains("< HTTP/2 403") || h2.contains("< HTTP/2 415");
    });
    String h2 = meshedHttp2();
    assertThat(refusedByProxy(h2)).as(h2).isEqualTo(!meshedAllowed);
    if (meshedAllowed) {
      assertThat(h2).as("the application answered").contains("< HTTP/2 415").doesNotContain("l5d-proxy-error");
    }
    String grpc = meshedGrpc();
    if (meshedAllowed) {
      assertThat(grpc).contains("Test completed.").endsWith("exit 0");
    } else {
      assertThat(grpc).contains("PERMISSION_DENIED").doesNotEndWith("exit 0");
    }
    // HTTP/2 and gRPC, unmeshed.
    String plainH2 = unmeshedHttp2(false);
    assertThat(refusedByProxy(plainH2)).as(plainH2).isEqualTo(!unmeshedAllowed);
    String plainGrpc = unmeshedHttp2(true);
    assertThat(plainGrpc).as(plainGrpc).contains(unmeshedAllowed ? "grpc-status: 0" : "grpc-status: 7");

    // TCP, meshed: relayed through both proxies to the echo server, or closed by the inbound one.
    if (meshedAllowed) {
      await().atMost(PATIENCE).until(() -> meshedTcp("\u0000\u0002 meshed").equals("echo: \u0000\u0002 meshed"));
    } else {
      // Closed unanswered once discovery has the endpoint and the inbound proxy has decided.
      java.util.regex.Pattern denied = java.util.regex.Pattern.compile("inbound_tcp_authz_deny_total\\{client_id=\""
          + java.util.regex.Pattern.quote(ProxyPair.CLIENT_ID) + "\",srv_group");
      await().atMost(PATIENCE).until(() -> meshedTcp("\u0000\u0002 meshed").isEmpty()
          && denied.matcher(pair.inboundMetrics().scrape()).find());
    }

    String scrape = pair.inboundMetrics().scrape();
    String family = meshedAllowed ? "inbound_http_authz_allow_total" : "inbound_http_authz_deny_total";
    assertThat(scrape).containsPattern(family + "\\{[^}]*client_id=\"" + ProxyPair.CLIENT_ID + "\"[^}]*srv_kind=\"default\",srv_name=\""
        + policy + "\"");
    assertThat(scrape).containsPattern((unmeshedAllowed ? "inbound_tcp_authz_allow_total" : "inbound_tcp_authz_deny_total")
        + "\\{[^}]*srv_name=\"" + policy + "\"[^}]*} 1");
  }
}
