package io.weft.proxy.inbound;

import com.sun.net.httpserver.HttpServer;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.ProxyPair;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** The inbound side's failfast: an application port that refuses connections, then comes back. */
class InboundFailfastTest {
  @TempDir Path manifests;
  private ProxyPair pair;
  private HttpServer app;

  @AfterEach
  void stop() {
    if (app != null) {
      app.stop(0);
    }
    if (pair != null) {
      pair.close();
    }
  }

  private String curl(String path) throws Exception {
    Process p = new ProcessBuilder(List.of("curl", "-s", "-i", "--max-time", "30", "-H", "Host: late.shop",
        "http://127.0.0.1:" + pair.outboundPort() + path)).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    p.waitFor();
    return out;
  }

  @Test
  void anApplicationThatRefusesConnectionsFailsFastAndRecoversWhenItListens() throws Exception {
    int appPort = LocalMesh.freePort(); // nothing listens there yet
    pair = ProxyPair.start(manifests, "late", 80, appPort, Duration.ofSeconds(3));

    // The inbound proxy holds the request for its 1 s failfast timeout, then answers for the app.
    String refused = curl("/early");
    assertThat(refused).startsWith("HTTP/1.1 504").containsIgnoringCase("l5d-proxy-error: service in fail-fast");
    assertThat(pair.inboundMetrics().scrape())
        .containsPattern("response_total\\{[^}]*classification=\"failure\",[^}]*direction=\"inbound\"[^}]*status_code=\"504\"");

    app = HttpServer.create(new InetSocketAddress("127.0.0.1", appPort), 0);
    app.createContext("/", exchange -> {
      byte[] body = "up now".getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    app.start();
    // The gate's probe finds the port accepting again and requests flow.
    await().atMost(Duration.ofSeconds(30)).until(() -> curl("/later").startsWith("HTTP/1.1 200"));
    assertThat(curl("/later")).endsWith("up now");
  }
}
