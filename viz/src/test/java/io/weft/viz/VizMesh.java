package io.weft.viz;

import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import io.weft.k8s.local.LocalClusterBackend;
import io.weft.proxy.RawHttp;
import io.weft.proxy.RuntimeMesh;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;

/**
 * A meshed namespace for viz tests: Deployments {@code web} (an HTTP app answering 500 on
 * {@code /fail}, 200 otherwise, behind Service {@code web} with a ServiceProfile routing
 * {@code /books} and {@code /authors}) and {@code client}, each pod behind the proxy program, and a
 * viz service following the same manifests, scraping twice a second, tapping as the tap service.
 */
final class VizMesh implements AutoCloseable {
  static final String WEB_IP = "127.0.0.51";
  static final String CLIENT_IP = "127.0.0.52";
  static final String AUTHORITY = "web.shop.svc.cluster.local:80";
  static final Duration SCRAPE_INTERVAL = Duration.ofMillis(500);

  final RuntimeMesh mesh;
  final HttpServer app;
  final VizService viz;
  final InetSocketAddress api;

  private VizMesh(RuntimeMesh mesh, HttpServer app, VizService viz, InetSocketAddress api) {
    this.mesh = mesh;
    this.app = app;
    this.viz = viz;
    this.api = api;
  }

  static VizMesh start(Path directory) throws Exception {
    HttpServer app = HttpServer.create(new InetSocketAddress(WEB_IP, 8080), 0);
    app.createContext("/", exchange -> {
      int status = exchange.getRequestURI().getPath().startsWith("/fail") ? 500 : 200;
      byte[] body = ("answered " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.US_ASCII);
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    app.setExecutor(java.util.concurrent.Executors.newFixedThreadPool(4));
    app.start();
    RuntimeMesh mesh = RuntimeMesh.start(directory, """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop, annotations: {linkerd.io/inject: enabled}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec:
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: 8080}]
        ---
        apiVersion: linkerd.io/v1alpha2
        kind: ServiceProfile
        metadata: {name: web.shop.svc.cluster.local, namespace: shop}
        spec:
          routes:
          - name: books
            condition: {method: GET, pathRegex: "/books(/.*)?"}
          - name: authors
            condition: {method: GET, pathRegex: "/authors"}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: web-5d9f-abcde
          namespace: shop
          labels: {app: web, pod-template-hash: 5d9f, linkerd.io/control-plane-ns: linkerd}
          ownerReferences: [{kind: ReplicaSet, name: web-5d9f, controller: true}]
        spec: {serviceAccountName: web, containers: [{name: web, ports: [{name: http, containerPort: 8080}]}]}
        status: {podIP: %s, phase: Running, conditions: [{type: Ready, status: "True"}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata:
          name: client-7c4b-fghij
          namespace: shop
          labels: {app: client, pod-template-hash: 7c4b, linkerd.io/control-plane-ns: linkerd}
          ownerReferences: [{kind: ReplicaSet, name: client-7c4b, controller: true}]
        spec: {serviceAccountName: client, containers: [{name: client}]}
        status: {podIP: %s, phase: Running, conditions: [{type: Ready, status: "True"}]}
        """.formatted(WEB_IP, CLIENT_IP), List.of(new RuntimeMesh.Pod("shop", "web-5d9f-abcde", "web", WEB_IP),
        new RuntimeMesh.Pod("shop", "client-7c4b-fghij", "client", CLIENT_IP)));
    RuntimeMesh.Certified tap = mesh.certified("tap", "linkerd-viz", ConfigFactory.empty());
    VizService.Settings settings = new VizService.Settings("127.0.0.1", 0, SCRAPE_INTERVAL, Duration.ofSeconds(2), 4,
        Duration.ofMinutes(10), 4191, 4190, "linkerd", "cluster.local", "cluster.local",
        "127.0.0.1:" + mesh.controlPlane().adminPort(), "");
    LocalClusterBackend cluster = new LocalClusterBackend(directory, new LocalClusterBackend.Settings("linkerd",
        Duration.ofMillis(500), Duration.ofMillis(50), 1024, directory.resolve("viz-token.key")));
    VizService viz = VizService.start(tap.system(), cluster.events(), Optional.of(tap.tls()), settings);
    InetSocketAddress api = viz.serve(tap.system());
    return new VizMesh(mesh, app, viz, api);
  }

  /** One request through the client pod's proxy to the web Service: its status. */
  int get(String path) throws IOException {
    String response = RawHttp.get(mesh.proxy("client-7c4b-fghij").outboundAddress(), AUTHORITY, path);
    return Integer.parseInt(response.substring("HTTP/1.1 ".length(), "HTTP/1.1 ".length() + 3));
  }

  /** Waits until every proxy has been scraped since now. */
  void scraped() {
    long now = System.nanoTime();
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).until(() -> viz.scrapedSince(now));
  }

  @Override
  public void close() {
    viz.close();
    mesh.close();
    app.stop(0);
    ((java.util.concurrent.ExecutorService) app.getExecutor()).shutdownNow();
  }
}
