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
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A GRPCRoute whose parent is a Service, through the real control plane and the outbound proxy:
 * calls are routed by gRPC service and method, and retried by gRPC code from the route's
 * {@code retry.linkerd.io/grpc} annotation (a trailers-only {@code UNAVAILABLE} is retried, an
 * answer that is not listed is not), counted in the {@code outbound_grpc_route_*} families.
 */
class GrpcRouteTest {
  private static final Duration FAILFAST = Duration.ofSeconds(3);
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String API = "api.shop.svc.cluster.local:80";

  @TempDir Path manifests;
  private HttpServer items;
  private HttpServer rest;
  private OutboundMesh mesh;
  private ProxyMetrics metrics;
  /** Calls of /shop.Items/List that reached the items backend: two in three are UNAVAILABLE. */
  private final AtomicInteger listCalls = new AtomicInteger();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  /** A backend answering gRPC-style: 200, {@code grpc-status} in the head, its name as the body. */
  private HttpServer backend(String name) throws IOException {
    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.createContext("/", exchange -> {
      String path = exchange.getRequestURI().getPath();
      String status = "0";
      if (path.equals("/shop.Items/List")) {
        status = listCalls.getAndIncrement() % 3 == 2 ? "0" : "14";
      } else if (path.equals("/shop.Items/Broken")) {
        status = "13";
      }
      exchange.getResponseHeaders().add("content-type", "application/grpc");
      exchange.getResponseHeaders().add("grpc-status", status);
      byte[] body = name.getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    return server;
  }

  @BeforeEach
  void start() throws IOException {
    items = backend("items");
    rest = backend("rest");
    Files.writeString(manifests.resolve("shop.yaml"), LocalMesh.apiService() + LocalMesh.loopbackPod("api-0", rest.getAddress().getPort())
        + """
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: items, namespace: shop}
        spec:
          selector: {app: items}
          ports: [{name: http, port: 80, targetPort: http}]
        """ + LocalMesh.loopbackPod("items-0", "items", items.getAddress().getPort()) + """
        ---
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata:
          name: api-grpc
          namespace: shop
          annotations: {retry.linkerd.io/grpc: unavailable, retry.linkerd.io/limit: "2"}
        spec:
          parentRefs: [{name: api, kind: Service, group: core, port: 80}]
          rules:
          - matches: [{method: {service: shop.Items}}]
            backendRefs: [{name: items, port: 80}]
          - backendRefs: [{name: api, port: 80}]
        """);
    metrics = new ProxyMetrics();
    mesh = OutboundMesh.start(manifests, FAILFAST, metrics);
  }

  @AfterEach
  void stop() {
    items.stop(0);
    rest.stop(0);
    mesh.close();
  }

  private HttpResponse<String> call(String method) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mesh.port() + "/" + method))
        .header("l5d-dst-override", API).header("content-type", "application/grpc").header("te", "trailers")
        .POST(HttpRequest.BodyPublishers.ofByteArray(new byte[5])).timeout(PATIENCE).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void callsAreRoutedByServiceAndRetriedByCode() throws Exception {
    await().atMost(PATIENCE).until(() -> call("shop.Items/Get").body().equals("items"));
    assertThat(call("shop.Orders/Get").body()).as("another service: the catch-all rule").isEqualTo("rest");

    listCalls.set(0);
    for (int i = 0; i < 10; i++) {
      HttpResponse<String> list = call("shop.Items/List");
      assertThat(list.headers().firstValue("grpc-status")).as("two UNAVAILABLE retried away").contains("0");
    }
    assertThat(listCalls.get()).isEqualTo(30);

    HttpResponse<String> broken = call("shop.Items/Broken");
    assertThat(broken.headers().firstValue("grpc-status")).as("INTERNAL is not a code the route retries").contains("13");

    assertThat(metrics.scrape())
        .containsPattern("outbound_grpc_route_request_statuses_total\\{[^}]*grpc_status=\"0\"[^}]*route_kind=\"GRPCRoute\""
            + "[^}]*route_name=\"api-grpc\"[^}]*} 1[0-9]")
        .containsPattern("outbound_grpc_route_retry_requests_total\\{[^}]*route_name=\"api-grpc\"[^}]*} 20")
        .containsPattern("outbound_grpc_route_backend_requests_total\\{backend_group=\"core\",backend_kind=\"Service\","
            + "backend_name=\"items\"");
  }
}
