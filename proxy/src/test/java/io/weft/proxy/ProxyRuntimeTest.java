package io.weft.proxy;

import com.typesafe.config.ConfigFactory;
import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;

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
  void refusesToStartWithoutAControlPlaneAddress() {
    assertThatThrownBy(() -> ProxyRuntime.start(ProxyConfig.fromEnv(Map.of()), Map.of(), ConfigFactory.load()))
        .isInstanceOf(ProxyConfigException.class).hasMessageContaining("LINKERD2_PROXY_DESTINATION_SVC_ADDR is required");
  }
}
