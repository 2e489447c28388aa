package io.weft.proxy.outbound;

import com.sun.net.httpserver.HttpServer;
import io.weft.actors.ControlPlane;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.discovery.Discovery;
import io.weft.proxy.metrics.ProxyMetrics;
import io.weft.proxy.tcp.RedirectRules;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * An application calls a Service by its cluster IP (as `http://web-svc` resolves to) with whatever
 * Host it likes: iptables sends the connection to the outbound proxy, which routes it by the
 * original destination — to the Service's endpoints, found through discovery by IP and port — not
 * by the Host header.
 */
class OriginalDestinationRoutingTest {
  /** The Service's cluster IP: nothing listens there; only the redirect makes it reachable. */
  private static final String CLUSTER_IP = "127.11.20.1";
  private static final Duration FAILFAST = Duration.ofSeconds(3);

  @TempDir Path manifests;
  private final RedirectRules rules = new RedirectRules();
  private final ProxyMetrics metrics = new ProxyMetrics();
  private HttpServer app;
  private ControlPlane controlPlane;
  private ActorSystem<Void> system;
  private Discovery discovery;
  private int proxyPort;

  @BeforeEach
  void start() throws IOException {
    assumeTrue(System.getenv("CI") != null || RedirectRules.usable(), "needs root and iptables");
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext("/", exchange -> {
      byte[] body = ("api got " + exchange.getRequestURI().getPath() + " for " + exchange.getRequestHeaders().getFirst("Host"))
          .getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    app.start();
    Files.writeString(manifests.resolve("shop.yaml"), LocalMesh.apiService().replace("selector: {app: api}",
        "clusterIP: " + CLUSTER_IP + "\n  selector: {app: api}") + LocalMesh.loopbackPod("api-0", app.getAddress().getPort()));
    int destinationPort = LocalMesh.freePort();
    controlPlane = LocalMesh.controlPlane(manifests, destinationPort);
    system = LocalMesh.proxySystem();
    discovery = LocalMesh.discovery(system, destinationPort, FAILFAST);
    proxyPort = LocalMesh.outboundProxy(system, discovery, FAILFAST, metrics);
  }

  @AfterEach
  void stop() throws Exception {
    rules.close();
    if (app != null) {
      app.stop(0);
      discovery.close();
      system.terminate();
      controlPlane.close();
    }
  }

  private String call(String host) throws Exception {
    int source = RedirectRules.freePort();
    rules.redirect(source, CLUSTER_IP, 80, proxyPort);
    return RedirectRules.send(source, CLUSTER_IP, 80, "GET /by-ip HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n");
  }

  @Test
  void aRequestToAServicesClusterIpGoesToItsEndpointsWhateverItsHostSays() throws Exception {
    // The Host names no Service (and no resolvable host): only the original destination can route it.
    await().atMost(Duration.ofSeconds(30)).until(() -> call("web-svc").startsWith("HTTP/1.1 200"));
    assertThat(call("not-a-service.example:8080")).startsWith("HTTP/1.1 200").endsWith("api got /by-ip for not-a-service.example:8080");
    // Counted as the Service's traffic, with the destination's labels from discovery.
    assertThat(metrics.scrape()).containsPattern("request_total\\{[^}]*authority=\"" + CLUSTER_IP.replace(".", "\\.")
        + ":80\"[^}]*dst_service=\"api\"");
  }

  @Test
  void aConnectionMadeStraightToTheProxyIsNotTakenForARedirectedOne() throws Exception {
    await().atMost(Duration.ofSeconds(30)).until(() -> call("web-svc").startsWith("HTTP/1.1 200"));
    // Netfilter now tracks connections (a nat rule exists, as in every meshed pod): one made to the
    // outbound port itself reports that port as its original destination. It was not redirected, so
    // the proxy routes it by its target (as ingress mode does), rather than refusing a "loop".
    String direct = RedirectRules.exchange(RedirectRules.freePort(), "127.0.0.1", proxyPort,
        "GET /direct HTTP/1.1\r\nHost: api.shop.svc.cluster.local:80\r\nConnection: close\r\n\r\n", true);
    assertThat(direct).startsWith("HTTP/1.1 200").endsWith("api got /direct for api.shop.svc.cluster.local:80");
  }
}
