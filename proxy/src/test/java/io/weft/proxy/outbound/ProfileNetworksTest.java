package io.weft.proxy.outbound;

import com.sun.net.httpserver.HttpServer;
import io.weft.protocol.net.Cidr;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.RawHttp;
import io.weft.proxy.config.ProxyConfig;
import io.weft.proxy.discovery.Discovery;
import io.weft.proxy.metrics.ProxyMetrics;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code LINKERD2_PROXY_DESTINATION_PROFILE_NETWORKS}: an address outside the networks is reached as
 * addressed without asking the control plane about it; inside them (or with none given), it is
 * looked up first.
 */
class ProfileNetworksTest {
  private ActorSystem<Void> system;
  private HttpServer app;

  @AfterEach
  void stop() {
    if (app != null) {
      app.stop(0);
    }
    if (system != null) {
      system.terminate();
    }
  }

  @Test
  void anAddressOutsideTheProfileNetworksIsNotLookedUp() throws Exception {
    app = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    app.createContext("/", exchange -> {
      byte[] body = "app".getBytes(StandardCharsets.US_ASCII);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    app.start();
    system = LocalMesh.proxySystem();
    String target = "127.0.0.1:" + app.getAddress().getPort();

    // Only the cluster's private networks: loopback is outside them.
    Discovery bounded = discovery(List.of(Cidr.parse("10.0.0.0/8")));
    assertThat(RawHttp.get(outbound(bounded), target, "/")).startsWith("HTTP/1.1 200").endsWith("app");
    assertThat(bounded.active()).as("authorities followed").isZero();

    // No networks given: everything is looked up (the answer never comes; the request goes as addressed after failfast).
    Discovery unbounded = discovery(List.of());
    assertThat(RawHttp.get(outbound(unbounded), target, "/")).startsWith("HTTP/1.1 200").endsWith("app");
    assertThat(unbounded.active()).as("authorities followed").isPositive();
  }

  /** Discovery from a control plane that is not there: only the lookups it is asked for count. */
  private Discovery discovery(List<Cidr> networks) {
    return new Discovery(system, LocalMesh.destinationClient(system, 1), Optional.empty(),
        new Discovery.Settings("{}", Duration.ofMillis(100), Duration.ofSeconds(1), Duration.ofMinutes(5),
            ProxyConfig.fromEnv(Map.of()).controlPlane().stream(), networks));
  }

  private int outbound(Discovery discovery) {
    return LocalMesh.outboundProxy(system, discovery, Duration.ofMillis(500), new ProxyMetrics(), Optional.empty(), Set.of())
        .bind(new InetSocketAddress("127.0.0.1", 0)).toCompletableFuture().join().localAddress().getPort();
  }
}
