package io.weft.proxy.netns;

import com.sun.net.httpserver.HttpServer;
import io.weft.actors.ControlPlane;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.TestIdentities;
import io.weft.proxy.tcp.RedirectRules;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
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
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * A pod as Kubernetes and Linkerd's init container make it: its own network namespace (a veth pair
 * to the host namespace), an application and a Weft proxy inside it, and iptables rules in it that
 * send every inbound TCP connection to 4143 (but the admin ports) and every outbound one to 4140
 * unless it comes from the proxy's own uid (root here; the application's client runs as nobody).
 * The control plane and an outside server live in the host namespace. Needs root (CI).
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class NetworkNamespaceInterceptionTest {
  private static final int APP_PORT = 8080;
  private static final String NOBODY = "65534";

  private final String suffix = Integer.toString(ThreadLocalRandom.current().nextInt(1000, 10000));
  private final String namespace = "weft-pod-" + suffix;
  private final String hostLink = "wh" + suffix;
  private final int subnet = ThreadLocalRandom.current().nextInt(1, 250);
  private final String hostIp = "10.213." + subnet + ".1";
  private final String podIp = "10.213." + subnet + ".2";
  /** The Service's cluster IP: routed out of the pod, where only the redirect to the proxy makes it answer. */
  private final String clusterIp = "10.96." + subnet + ".10";
  /** {@code ip netns exec} mounts these over /etc: the pod's view of cluster DNS (a hosts file). */
  private final Path etc = Path.of("/etc/netns", namespace);
  private final List<Process> pod = new ArrayList<>();
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();
  private ControlPlane controlPlane;
  private HttpServer outside;
  private boolean created;

  private static void run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor()).as("%s: %s", String.join(" ", command), out).isZero();
  }

  private void inPod(String... command) throws Exception {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", namespace));
    full.addAll(List.of(command));
    run(full.toArray(String[]::new));
  }

  private Process startInPod(Path log, Map<String, String> env, String... args) throws IOException {
    List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", namespace,
        Path.of(System.getProperty("java.home"), "bin", "java").toString(), "-Xmx256m",
        "--enable-native-access=ALL-UNNAMED", "--add-exports", "java.base/sun.nio.ch=ALL-UNNAMED",
        "--sun-misc-unsafe-memory-access=allow", "-cp", System.getProperty("java.class.path"),
        PodProcess.class.getName()));
    command.addAll(List.of(args));
    ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(log.toFile());
    builder.environment().putAll(env);
    Process process = builder.start();
    pod.add(process);
    return process;
  }

  /** The proxy-init image's script, as the injected init container runs it. */
  private static final Path INIT_SCRIPT = Path.of("..", "images", "proxy-init", "weft-proxy-init").toAbsolutePath().normalize();

  /** This test's pod as the injection engine makes it, trusting {@code identities}' anchor. */
  private static com.fasterxml.jackson.databind.JsonNode injectedPod(TestIdentities identities) throws Exception {
    var injector = new io.weft.operator.inject.ManifestInjector(new io.weft.operator.inject.ProxyInjector(
        io.weft.operator.inject.InjectionSettings.defaults("test", io.weft.protocol.identity.Pem.encode(identities.anchors().anchors()),
            "weft/test")));
    String injected = injector.inject("""
        apiVersion: v1
        kind: Pod
        metadata: {name: app, namespace: shop, annotations: {config.linkerd.io/proxy-uid: "0"}}
        spec: {containers: [{name: app, image: app, ports: [{containerPort: %d}]}]}
        """.formatted(APP_PORT), io.weft.operator.inject.ProxyInjector.Mode.MANUAL, false).yaml();
    return new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(injected);
  }

  private static com.fasterxml.jackson.databind.JsonNode initContainer(com.fasterxml.jackson.databind.JsonNode pod, String name) {
    for (var container : pod.path("spec").path("initContainers")) {
      if (container.path("name").asText().equals(name)) {
        return container;
      }
    }
    throw new AssertionError("no " + name + " in " + pod);
  }

  /**
   * The proxy container's environment as the kubelet would give it for this pod; then what only a
   * cluster provides (DNS names of the control plane, the projected token, the identity emptyDir)
   * pointed at this machine's.
   */
  private Map<String, String> proxyEnvironment(com.fasterxml.jackson.databind.JsonNode proxy, Map<String, String> overrides) {
    Map<String, String> env = new java.util.LinkedHashMap<>(io.weft.proxy.KubeletEnvironment.of(proxy, Map.of(
        "metadata.name", "app", "metadata.namespace", "shop", "metadata.uid", "6c0d5b0e-5c3a-4f7e-9a43-2f1a7b9c1d20",
        "spec.nodeName", "node", "spec.serviceAccountName", "default", "status.podIPs", podIp)));
    env.putAll(overrides);
    return env;
  }

  @BeforeAll
  void createPod(@TempDir Path work) throws Exception {
    assumeTrue(System.getenv("CI") != null || RedirectRules.usable(), "needs root, ip netns and iptables");
    run("ip", "netns", "add", namespace);
    created = true;
    run("ip", "link", "add", hostLink, "type", "veth", "peer", "name", "wp" + suffix);
    run("ip", "link", "set", "wp" + suffix, "netns", namespace);
    run("ip", "addr", "add", hostIp + "/24", "dev", hostLink);
    run("ip", "link", "set", hostLink, "up");
    inPod("ip", "addr", "add", podIp + "/24", "dev", "wp" + suffix);
    inPod("ip", "link", "set", "wp" + suffix, "up");
    inPod("ip", "link", "set", "lo", "up");
    inPod("ip", "route", "add", "default", "via", hostIp);
    Files.createDirectories(etc);
    Files.writeString(etc.resolve("hosts"), "127.0.0.1 localhost\n" + clusterIp
        + " web-svc.shop.svc.cluster.local web-svc.shop web-svc\n");
    // The pod's rules as injection sets them up: the init container the engine adds, run with its
    // arguments (inbound to 4143 except the admin and control ports; outbound to 4140 except the
    // proxy's own connections, by uid — root here, so the pod's proxy-uid says 0).
    TestIdentities identities = TestIdentities.create();
    var injected = injectedPod(identities);
    List<String> init = new ArrayList<>(List.of("env", "IPTABLES=iptables", INIT_SCRIPT.toString()));
    initContainer(injected, "linkerd-init").path("args").forEach(a -> init.add(a.asText()));
    assertThat(init).contains("--proxy-uid", "0", "--inbound-ports-to-ignore");
    inPod(init.toArray(String[]::new));

    outside = HttpServer.create(new InetSocketAddress(hostIp, 0), 0);
    outside.createContext("/", exchange -> {
      byte[] body = ("outside saw " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    outside.start();

    Path manifests = Files.createDirectories(work.resolve("cluster"));
    Files.writeString(manifests.resolve("pod.yaml"), """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop, annotations: {linkerd.io/inject: enabled}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web-svc, namespace: shop}
        spec:
          clusterIP: %s
          selector: {app: web}
          ports: [{name: http, port: 80, targetPort: http}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: app, namespace: shop, labels: {app: web}}
        spec: {containers: [{name: app, ports: [{name: http, containerPort: %d}]}]}
        status:
          podIP: %s
          phase: Running
          conditions: [{type: Ready, status: "True"}]
        """.formatted(clusterIp, APP_PORT, podIp));
    int destinationPort = LocalMesh.freePort();
    List<String> settings = new ArrayList<>(List.of(identities.controlPlaneSettings()));
    settings.add("weft.control-plane.destination.interface = \"" + hostIp + "\"");
    controlPlane = LocalMesh.controlPlane(manifests, destinationPort, settings.toArray(String[]::new));

    startInPod(work.resolve("app.log"), Map.of(), "app", Integer.toString(APP_PORT));
    // The injected proxy container's own environment (identity on), run as a process in the pod.
    startInPod(work.resolve("proxy.log"), proxyEnvironment(initContainer(injected, "linkerd-proxy"), Map.of(
        "LINKERD2_PROXY_DESTINATION_SVC_ADDR", hostIp + ":" + destinationPort,
        "LINKERD2_PROXY_IDENTITY_SVC_ADDR", hostIp + ":" + destinationPort,
        "LINKERD2_PROXY_IDENTITY_TOKEN_FILE", identities.tokenFile("default", "shop").toString(),
        "LINKERD2_PROXY_IDENTITY_DIR", Files.createDirectories(work.resolve("end-entity")).toString())),
        "proxy");
    try {
      await().atMost(Duration.ofSeconds(90)).ignoreExceptions().until(() -> get("http://" + podIp + ":4191/ready").statusCode() == 200);
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      throw new AssertionError("the proxy in the pod never became ready; it said:\n" + Files.readString(work.resolve("proxy.log")), e);
    }
  }

  @AfterAll
  void deletePod() throws Exception {
    pod.forEach(Process::destroyForcibly);
    for (Process p : pod) {
      p.waitFor(30, TimeUnit.SECONDS);
    }
    if (outside != null) {
      outside.stop(0);
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
    if (created) {
      Files.deleteIfExists(etc.resolve("hosts"));
      Files.deleteIfExists(etc);
      new ProcessBuilder("ip", "link", "del", hostLink).start().waitFor();
      new ProcessBuilder("ip", "netns", "del", namespace).start().waitFor(); // its iptables rules go with it
    }
  }

  private HttpResponse<String> get(String url) throws Exception {
    return client.send(HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(30)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** curl inside the pod as the application's user (not the proxy's): its output, or "exit N" when it failed. */
  private String curlAsApplication(String url) throws Exception {
    Process p = new ProcessBuilder("ip", "netns", "exec", namespace, "setpriv", "--reuid=" + NOBODY, "--regid=" + NOBODY,
        "--clear-groups", "curl", "-s", "--max-time", "20", url).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    int exit = p.waitFor();
    return exit == 0 ? out : "exit " + exit + " " + out;
  }

  private String proxyMetrics() throws Exception {
    return get("http://" + podIp + ":4191/metrics").body();
  }

  @Test
  void inboundConnectionsAreRedirectedToTheProxyAndReachTheAppOnTheirOriginalPort() throws Exception {
    HttpResponse<String> response = get("http://" + podIp + ":" + APP_PORT + "/in");
    // The app is called from inside the pod (the proxy), not from the host namespace's address.
    assertThat(response.body()).isEqualTo("app saw /in from " + podIp);
    assertThat(proxyMetrics()).containsPattern("tcp_open_total\\{[^}]*direction=\"inbound\"[^}]*} [1-9]")
        // the injected environment gave the proxy its identity: it was certified before it was ready
        .containsPattern("identity_cert_refresh_count [1-9]");
  }

  @Test
  void outboundConnectionsAreRedirectedAndTheProxysOwnAreNot() throws Exception {
    // If the proxy's onward connection were redirected too, it would come back to 4140 forever.
    String url = "http://" + hostIp + ":" + outside.getAddress().getPort() + "/out";
    assertThat(curlAsApplication(url)).isEqualTo("outside saw /out");
    assertThat(proxyMetrics()).containsPattern("request_total\\{[^}]*authority=\"" + hostIp.replace(".", "\\.") + ":"
        + outside.getAddress().getPort() + "\"[^}]*direction=\"outbound\"[^}]*} 1.0");
  }

  @Test
  void aServiceCalledByShortNameFqdnOrClusterIpIsReachedThroughTheMeshWithItsLabels() throws Exception {
    // However the application names it, the connection goes to the cluster IP; the proxy routes it
    // by that original destination to the Service's endpoint (this pod, meshed: mTLS to its own
    // inbound side), not by the Host header.
    for (String host : List.of("web-svc", "web-svc.shop.svc.cluster.local", clusterIp)) {
      await().atMost(Duration.ofSeconds(30)).until(() -> curlAsApplication("http://" + host + "/by/" + host)
          .startsWith("app saw /by/" + host));
    }
    String metrics = proxyMetrics();
    String series = metrics.lines().filter(l -> l.startsWith("request_total{") && l.contains("direction=\"outbound\"")
        && l.contains("dst_service=\"web-svc\"")).findFirst().orElseThrow(() -> new AssertionError("no outbound series for web-svc:\n" + metrics));
    assertThat(series).contains("dst_namespace=\"shop\"").contains("dst_pod=\"app\"").contains("tls=\"true\"")
        .contains("server_id=\"" + TestIdentities.name("default", "shop") + "\"");
    assertThat(Double.parseDouble(series.substring(series.lastIndexOf(' ') + 1))).isGreaterThanOrEqualTo(3);
  }

  @Test
  void aRequestToTheProxyItselfIsRefusedAsALoopAndTheProxyKeepsServing() throws Exception {
    // Not redirected (it was made to the proxy), so the proxy reads the request: its target is the
    // proxy itself, answered with Linkerd's 508 rather than sent round again.
    assertThat(curlAsApplication("http://127.0.0.1:4140/loop")).isEqualTo("gateway loop detected\n");
    assertThat(get("http://" + podIp + ":" + APP_PORT + "/still").body()).isEqualTo("app saw /still from " + podIp);
  }
}
