package io.weft.proxy;

import io.weft.proxy.config.ProxyConfigException;
import io.weft.proxy.config.ProxyConfig;
import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import io.weft.protocol.identity.Pem;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.awaitility.Awaitility.await;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProxyRuntimeTest {
  private static final Map<String, String> LISTEN_ANYWHERE = Map.of(
      "LINKERD2_PROXY_INBOUND_LISTEN_ADDR", "127.0.0.1:0",
      "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", "127.0.0.1:0",
      "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "127.0.0.1:0",
      // Nothing listens there: the proxy starts anyway and keeps trying the control plane.
      "LINKERD2_PROXY_DESTINATION_SVC_ADDR", "127.0.0.1:1");

  @Test
  void startsItsListenersFromTheEnvironmentAndIsReady() throws Exception {
    try (ProxyRuntime proxy = ProxyRuntime.start(ProxyConfig.fromEnv(LISTEN_ANYWHERE), LISTEN_ANYWHERE, ConfigFactory.load())) {
      var http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      var ready = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminAddress().getPort() + "/ready")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(ready.statusCode()).isEqualTo(200);
      assertThat(proxy.inboundAddress().getPort()).isPositive();
      assertThat(proxy.outboundAddress().getPort()).isPositive();
      var env = http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + proxy.adminAddress().getPort() + "/env.json")).build(),
          HttpResponse.BodyHandlers.ofString());
      assertThat(env.body()).contains("LINKERD2_PROXY_DESTINATION_SVC_ADDR");
    }
  }

  @Test
  void itListensOnEveryOutboundAddressAndSizesItsThreadsToItsCores() throws Exception {
    Map<String, String> env = new HashMap<>(LISTEN_ANYWHERE);
    // The third cannot be bound here (not an address of this host): the proxy runs on the others.
    env.put("LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS", "127.0.0.1:0,127.0.0.2:0,192.0.2.1:0");
    env.put("LINKERD2_PROXY_CORES", "3");
    try (ProxyRuntime proxy = ProxyRuntime.start(ProxyConfig.fromEnv(env), env, ConfigFactory.load())) {
      assertThat(proxy.system().settings().config().getInt("pekko.actor.default-dispatcher.fork-join-executor.parallelism-max"))
          .isEqualTo(3);
      assertThat(proxy.system().settings().config().getInt("weft.streams.tcp.event-loops")).isEqualTo(3);
      assertThat(proxy.outboundAddresses()).extracting(java.net.InetSocketAddress::getHostString)
          .containsExactly("127.0.0.1", "127.0.0.2");
      for (var address : proxy.outboundAddresses()) {
        try (var socket = new java.net.Socket()) {
          socket.connect(address, 2000);
          assertThat(socket.isConnected()).isTrue();
        }
      }
    }
  }

  @Test
  void withIdentityItIsReadyOnlyOnceCertifiedAndKeepsItsCertificateWhileRenewalFails(@TempDir Path manifests) throws Exception {
    // Leaves of 4 s: the proxy tries to renew at 70 %, about 3 s after each certificate.
    TestIdentities identities = TestIdentities.create(Optional.of(Duration.ofSeconds(4)), List.of());
    int controlPlanePort = LocalMesh.freePort();
    Map<String, String> env = new HashMap<>(LISTEN_ANYWHERE);
    env.put("LINKERD2_PROXY_DESTINATION_SVC_ADDR", "127.0.0.1:" + controlPlanePort);
    env.put("LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS", Pem.encode(identities.anchors().anchors()));
    env.put("LINKERD2_PROXY_IDENTITY_LOCAL_NAME", TestIdentities.name("web", "shop"));
    env.put("LINKERD2_PROXY_IDENTITY_TOKEN_FILE", identities.tokenFile("web", "shop").toString());
    env.put("LINKERD2_PROXY_IDENTITY_SVC_ADDR", "127.0.0.1:" + controlPlanePort);
    env.put("LINKERD2_PROXY_IDENTITY_MIN_REFRESH", "200ms");
    try (ProxyRuntime proxy = ProxyRuntime.start(ProxyConfig.fromEnv(env), env, ConfigFactory.load())) {
      String readyUrl = "http://127.0.0.1:" + proxy.adminAddress().getPort() + "/ready";
      // No control plane yet: listening, but not ready; the postStart hook the injector writes keeps waiting.
      assertThat(status(readyUrl)).isEqualTo(503);
      Process impatient = weftAwait(proxy, "1s");
      assertThat(impatient.waitFor()).isEqualTo(1);
      assertThat(new String(impatient.getErrorStream().readAllBytes())).contains("was not ready within 1s");
      Process waiting = weftAwait(proxy, "60s");

      var controlPlane = LocalMesh.controlPlane(manifests, controlPlanePort, identities.controlPlaneSettings());
      try {
        assertThat(waiting.waitFor()).isZero();
        assertThat(status(readyUrl)).isEqualTo(200);
        assertThat(metric(proxy, "identity_cert_refresh_count")).isGreaterThanOrEqualTo(1);
      } finally {
        controlPlane.close();
      }
      double expiresAt = metric(proxy, "identity_cert_expiration_timestamp_seconds");
      double certified = metric(proxy, "identity_cert_refresh_count");
      // A renewal attempt fails with the control plane gone: the proxy stays ready on the certificate it has.
      await().atMost(Duration.ofSeconds(30)).until(() -> metric(proxy, "identity_cert_refresh_failures_total") >= 1);
      assertThat(status(readyUrl)).isEqualTo(200);
      assertThat(metric(proxy, "identity_cert_refresh_count")).isEqualTo(certified);
      assertThat(metric(proxy, "identity_cert_expiration_timestamp_seconds")).isEqualTo(expiresAt);

      // Back again: the next retry renews.
      var restarted = LocalMesh.controlPlane(manifests, controlPlanePort, identities.controlPlaneSettings());
      try {
        await().atMost(Duration.ofSeconds(30)).until(() -> metric(proxy, "identity_cert_refresh_count") > certified);
        assertThat(metric(proxy, "identity_cert_expiration_timestamp_seconds")).isGreaterThan(expiresAt);
      } finally {
        restarted.close();
      }
    }
  }

  /** images/weft-await, as the proxy container's postStart hook runs it. */
  private static Process weftAwait(ProxyRuntime proxy, String timeout) throws java.io.IOException {
    return new ProcessBuilder("bash", Path.of("..", "images", "weft-await").toString(), "--timeout=" + timeout,
        "--port=" + proxy.adminAddress().getPort()).start();
  }

  private static int status(String url) throws Exception {
    try (var http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      return http.send(HttpRequest.newBuilder(URI.create(url)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
    }
  }

  private static double metric(ProxyRuntime proxy, String name) {
    return proxy.metrics().scrape().lines().filter(l -> l.startsWith(name + " "))
        .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1))).sum();
  }

  @Test
  void refusesToStartWithAnUnusableIdentityDirectoryAndSaysWhy(@TempDir Path identityDir) throws Exception {
    // The key is read beside the actor system's start: its failure is still the start's, word for word.
    TestIdentities identities = TestIdentities.create();
    java.nio.file.Files.writeString(identityDir.resolve("key.p8"), "not a key");
    java.nio.file.Files.writeString(identityDir.resolve("csr.der"), "not a CSR");
    Map<String, String> env = new HashMap<>(LISTEN_ANYWHERE);
    env.put("LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS", Pem.encode(identities.anchors().anchors()));
    env.put("LINKERD2_PROXY_IDENTITY_LOCAL_NAME", TestIdentities.name("web", "shop"));
    env.put("LINKERD2_PROXY_IDENTITY_TOKEN_FILE", identities.tokenFile("web", "shop").toString());
    env.put("LINKERD2_PROXY_IDENTITY_SVC_ADDR", "127.0.0.1:1");
    env.put("LINKERD2_PROXY_IDENTITY_DIR", identityDir.toString());
    assertThatThrownBy(() -> ProxyRuntime.start(ProxyConfig.fromEnv(env), env, ConfigFactory.load()))
        .isExactlyInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("LINKERD2_PROXY_IDENTITY_DIR: key.p8/csr.der are unusable");
  }

  @Test
  void refusesToStartWithoutAControlPlaneAddress() {
    assertThatThrownBy(() -> ProxyRuntime.start(ProxyConfig.fromEnv(Map.of()), Map.of(), ConfigFactory.load()))
        .isInstanceOf(ProxyConfigException.class).hasMessageContaining("LINKERD2_PROXY_DESTINATION_SVC_ADDR is required");
  }
}
