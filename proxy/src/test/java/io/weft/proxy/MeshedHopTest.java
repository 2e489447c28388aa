package io.weft.proxy;

import com.sun.net.httpserver.HttpServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** curl → outbound proxy → transport header → inbound proxy → application, for a meshed pod. */
class MeshedHopTest {
  private static final Duration FAILFAST = Duration.ofMillis(300);

  @TempDir Path manifests;
  private HttpServer app;
  private ProxyPair pair;

  @AfterEach
  void stop() {
    app.stop(0);
    pair.close();
  }

  private static String curl(int proxyPort) throws Exception {
    Process p = new ProcessBuilder(new ArrayList<>(List.of("curl", "-s", "-i", "--max-time", "30", "-H", "Host: api.shop",
        "http://127.0.0.1:" + proxyPort + "/hop"))).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  @Test
  void meshedTrafficGoesThroughThePeersInboundProxy() throws Exception {
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext("/", exchange -> {
      byte[] body = ("app got " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    app.start();
    pair = ProxyPair.start(manifests, "api", 80, app.getAddress().getPort(), FAILFAST);
    int outboundPort = pair.outboundPort();

    await().atMost(Duration.ofSeconds(30)).until(() -> curl(outboundPort).startsWith("HTTP/1.1 200"));
    assertThat(curl(outboundPort)).endsWith("app got /hop");
    var endpoint = pair.discovery().resolve("api.shop.svc.cluster.local:80").endpoints().values().iterator().next();
    assertThat(endpoint.getProtocolHint().getOpaqueTransport().getInboundPort()).isEqualTo(pair.inboundPort());
    assertThat(endpoint.getTlsIdentity().getDnsLikeIdentity().getName())
        .isEqualTo("default.shop.serviceaccount.identity.linkerd.cluster.local");

    // Without the peer's inbound proxy the endpoint cannot be reached: the traffic really went through it.
    pair.stopInbound();
    await().atMost(Duration.ofSeconds(30)).until(() -> curl(outboundPort).startsWith("HTTP/1.1 502"));
  }
}
