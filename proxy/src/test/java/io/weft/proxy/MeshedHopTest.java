package io.weft.proxy;

import com.sun.net.httpserver.HttpServer;
import io.weft.actors.ControlPlane;
import io.weft.proxy.discovery.Discovery;
import io.weft.proxy.inbound.InboundProxy;
import io.weft.proxy.outbound.OutboundHttp;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/** curl → outbound proxy → transport header → inbound proxy → application, for a meshed pod. */
class MeshedHopTest {
  private static final Duration FAILFAST = Duration.ofMillis(300);

  @TempDir Path manifests;
  private HttpServer app;
  private ControlPlane controlPlane;
  private ActorSystem<Void> outboundSystem;
  private ActorSystem<Void> inboundSystem;
  private Discovery discovery;

  @AfterEach
  void stop() {
    app.stop(0);
    discovery.close();
    outboundSystem.terminate();
    inboundSystem.terminate();
    controlPlane.close();
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
    inboundSystem = LocalMesh.proxySystem();
    int inboundPort = new InboundProxy(inboundSystem, new io.weft.proxy.metrics.ProxyMetrics().tcp(), new InboundProxy.Settings(Duration.ofSeconds(10), 2048,
        Duration.ofSeconds(1), Set.of())).bind(new InetSocketAddress("127.0.0.1", 0)).toCompletableFuture().join()
        .localAddress().getPort();

    Files.writeString(manifests.resolve("shop.yaml"), """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop, annotations: {linkerd.io/inject: enabled}}
        ---
        """ + LocalMesh.apiService() + LocalMesh.loopbackPod("api-0", app.getAddress().getPort()));
    int destinationPort = LocalMesh.freePort();
    controlPlane = LocalMesh.controlPlane(manifests, destinationPort, "weft.discovery.proxy-inbound-port = " + inboundPort);
    outboundSystem = LocalMesh.proxySystem();
    discovery = LocalMesh.discovery(outboundSystem, destinationPort, FAILFAST);
    int outboundPort = new OutboundHttp(outboundSystem, discovery, "cluster.local", FAILFAST, new io.weft.proxy.metrics.ProxyMetrics().http())
        .bind(new InetSocketAddress("127.0.0.1", 0)).toCompletableFuture().join().localAddress().getPort();

    await().atMost(Duration.ofSeconds(30)).until(() -> curl(outboundPort).startsWith("HTTP/1.1 200"));
    assertThat(curl(outboundPort)).endsWith("app got /hop");
    var endpoint = discovery.resolve("api.shop.svc.cluster.local:80").endpoints().values().iterator().next();
    assertThat(endpoint.getProtocolHint().getOpaqueTransport().getInboundPort()).isEqualTo(inboundPort);
    assertThat(endpoint.getTlsIdentity().getDnsLikeIdentity().getName())
        .isEqualTo("default.shop.serviceaccount.identity.linkerd.cluster.local");

    // Without the peer's inbound proxy the endpoint cannot be reached: the traffic really went through it.
    inboundSystem.terminate();
    inboundSystem.getWhenTerminated().toCompletableFuture().join();
    await().atMost(Duration.ofSeconds(30)).until(() -> curl(outboundPort).startsWith("HTTP/1.1 502"));
  }
}
