package io.weft.actors.admin;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.actors.ControlPlane;
import io.weft.actors.ControlPlaneSettings;
import io.weft.actors.TestConfigs;
import io.weft.k8s.local.LocalClusterBackend;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The control plane's diagnostics feed, read by a real WebSocket client (the JDK's): what the
 * control plane serves for an authority and for a pod's port arrives as JSON, and an endpoint
 * change or a policy change made in the local cluster's manifests arrives within a second of the
 * edit (the directory read every 500 ms here, as the tests configure it).
 */
class DiagnosticsFeedTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Duration WITHIN = Duration.ofSeconds(1);
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String WORKLOAD = "{\"ns\":\"shop\",\"pod\":\"web-0\"}";

  @TempDir Path manifests;
  @TempDir Path eventLog;
  @TempDir Path pki;
  private ControlPlane controlPlane;
  private final LinkedBlockingQueue<JsonNode> received = new LinkedBlockingQueue<>();
  private WebSocket socket;

  private static String pod(String name, String ip) {
    return """
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: %s, namespace: shop, labels: {app: web}}
        spec: {containers: [{name: web, ports: [{name: http, containerPort: 8080}]}]}
        status: {podIP: %s, phase: Running, conditions: [{type: Ready, status: "True"}]}
        """.formatted(name, ip);
  }

  @BeforeEach
  void start() throws IOException {
    Files.writeString(manifests.resolve("shop.yaml"), """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec: {selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
        """ + pod("web-0", "10.1.0.1"));
    // An identity issuer too, so certificates can be issued (and told on the feed).
    java.util.List<String> issuer = new java.util.ArrayList<>(io.weft.protocol.identity.MeshPki.create("linkerd", "cluster.local",
        java.time.Instant.now(), Duration.ofDays(365), Duration.ofDays(30)).write(pki).settings());
    var config = com.typesafe.config.ConfigFactory.parseString(String.join("\n", issuer)).withFallback(TestConfigs.node(eventLog, true));
    controlPlane = ControlPlane.start(config, new LocalClusterBackend(manifests, ControlPlaneSettings.from(config).localCluster()),
        Optional.empty());
  }

  @AfterEach
  void stop() {
    if (socket != null) {
      socket.abort();
    }
    controlPlane.close();
  }

  private void open(String query) {
    socket = HttpClient.newHttpClient().newWebSocketBuilder()
        .buildAsync(URI.create("ws://127.0.0.1:" + controlPlane.adminPort() + "/feed?" + query), new WebSocket.Listener() {
          private final StringBuilder text = new StringBuilder();

          @Override
          public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
            text.append(data);
            if (last) {
              try {
                received.add(JSON.readTree(text.toString()));
              } catch (IOException e) {
                throw new IllegalStateException("the feed sent something that is not JSON: " + text, e);
              }
              text.setLength(0);
            }
            webSocket.request(1);
            return null;
          }
        }).join();
  }

  private JsonNode next(Duration within) throws InterruptedException {
    JsonNode message = received.poll(within.toMillis(), TimeUnit.MILLISECONDS);
    assertThat(message).as("a message within %s", within).isNotNull();
    return message;
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @Test
  void endpointAndPolicyChangesArriveWithinASecondOfTheEdit() throws Exception {
    open("authority=" + encode("web.shop.svc.cluster.local:80") + "&workload=" + encode(WORKLOAD) + "&port=8080");
    JsonNode first = next(PATIENCE);
    JsonNode second = next(PATIENCE);
    JsonNode endpoints = first.path("kind").asText().equals("endpoints") ? first : second;
    JsonNode policy = first == endpoints ? second : first;
    assertThat(endpoints.path("authority").asText()).isEqualTo("web.shop.svc.cluster.local:80");
    assertThat(endpoints.path("update").path("add").path("addrs")).hasSize(1);
    assertThat(policy.path("kind").asText()).isEqualTo("policy");
    assertThat(policy.path("server").path("labels").path("name").asText()).isEqualTo("all-unauthenticated");

    // A second pod: its endpoint is added.
    long edit = System.nanoTime();
    Files.writeString(manifests.resolve("more.yaml"), pod("web-1", "10.1.0.2"));
    JsonNode added = next(WITHIN.plus(Duration.ofMillis(100)));
    assertThat(Duration.ofNanos(System.nanoTime() - edit)).isLessThan(WITHIN);
    assertThat(added.path("kind").asText()).isEqualTo("endpoints");
    assertThat(added.path("update").path("add").path("addrs").get(0).path("weight").asInt()).isPositive();

    // A Server for the port: the pod's policy changes.
    edit = System.nanoTime();
    Files.writeString(manifests.resolve("server.yaml"), """
        apiVersion: policy.linkerd.io/v1beta3
        kind: Server
        metadata: {name: web-http, namespace: shop}
        spec: {podSelector: {matchLabels: {app: web}}, port: http, proxyProtocol: HTTP/1}
        """);
    JsonNode changed = next(WITHIN.plus(Duration.ofMillis(100)));
    assertThat(Duration.ofNanos(System.nanoTime() - edit)).isLessThan(WITHIN);
    assertThat(changed.path("kind").asText()).isEqualTo("policy");
    assertThat(changed.path("server").path("labels").path("name").asText()).isEqualTo("web-http");
  }

  @Test
  void aQueryThatAsksForNothingIsToldWhatToAsk() throws Exception {
    open("port=80");
    assertThat(next(PATIENCE).path("message").asText()).contains("each workload needs its port");
  }

  @Test
  void theEventTailTellsInputsAsTheyAreAppliedAndCertificatesAsTheyAreIssued() throws Exception {
    open("events=true");
    long edit = System.nanoTime();
    Files.writeString(manifests.resolve("more.yaml"), pod("web-2", "10.1.0.3"));
    JsonNode applied = next(WITHIN.plus(Duration.ofMillis(100)));
    assertThat(Duration.ofNanos(System.nanoTime() - edit)).isLessThan(WITHIN);
    assertThat(applied.path("kind").asText()).isEqualTo("cluster");
    assertThat(applied.path("event").asText()).isEqualTo("upsert");
    assertThat(applied.path("resource").asText()).isEqualTo("Pod shop/web-2");

    String web = "web.shop.serviceaccount.identity.linkerd.cluster.local";
    var keys = io.weft.protocol.identity.MeshKeys.newKeyPair();
    var identity = io.linkerd.proxy.identity.IdentityClient.create(org.apache.pekko.grpc.GrpcClientSettings.connectToServiceAt("127.0.0.1",
        controlPlane.destinationPort(), controlPlane.system()).withTls(false), controlPlane.system());
    try {
      identity.certify(io.linkerd.proxy.identity.CertifyRequest.newBuilder().setIdentity(web)
          .setCertificateSigningRequest(com.google.protobuf.ByteString.copyFrom(io.weft.protocol.identity.CertificateRequests.create(keys, web)))
          .setToken(com.google.protobuf.ByteString.copyFromUtf8(io.weft.k8s.identity.LocalTokens.fromKeyFile(TestConfigs.TOKEN_KEY)
              .mint("shop", "web"))).build()).toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      identity.close();
    }
    JsonNode certified = next(PATIENCE);
    while (!certified.path("kind").asText().equals("certificate")) {
      certified = next(PATIENCE);
    }
    assertThat(certified.path("identity").asText()).isEqualTo(web);
    assertThat(java.time.Instant.parse(certified.path("validUntil").asText())).isAfter(java.time.Instant.now());
  }
}
