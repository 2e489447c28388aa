package io.weft.proxy.outbound;

import com.sun.net.httpserver.HttpServer;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.discovery.Discovery;
import io.weft.proxy.metrics.ProxyMetrics;
import io.weft.proxy.tcp.RedirectRules;
import org.apache.pekko.actor.typed.ActorSystem;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Real iptables REDIRECT into the outbound proxy, as the init container sets up in a pod: the
 * application dials a destination, the kernel hands the connection to 4140, the proxy reads the
 * original destination and detects the protocol. Opaque bytes go to that destination as a whole;
 * HTTP too goes to the original destination, request by request. The control plane is unreachable
 * here, so these addresses are reached as addressed once discovery has not answered in time.
 */
class OutboundInterceptionTest {
  private static final String APP_IP = "127.11.12.14";
  private static final Duration DISCOVERY_WAIT = Duration.ofMillis(300);

  private ActorSystem<Void> system;
  private Discovery discovery;
  private ServerSocket opaqueApp;
  private HttpServer httpApp;
  private final ProxyMetrics metrics = new ProxyMetrics();
  private final RedirectRules rules = new RedirectRules();
  private int proxyPort;

  @BeforeEach
  void start() throws IOException {
    assumeTrue(System.getenv("CI") != null || RedirectRules.usable(), "needs root and iptables");
    system = LocalMesh.proxySystem();
    discovery = LocalMesh.discovery(system, RedirectRules.freePort(), DISCOVERY_WAIT); // nobody listens there
    opaqueApp = new ServerSocket(0, 50, InetAddress.getByName(APP_IP));
    Thread.ofVirtual().start(() -> {
      while (!opaqueApp.isClosed()) {
        try (Socket s = opaqueApp.accept(); InputStream in = s.getInputStream(); OutputStream out = s.getOutputStream()) {
          out.write(("app saw " + new String(in.readAllBytes(), StandardCharsets.ISO_8859_1) + " from " + s.getPort())
              .getBytes(StandardCharsets.ISO_8859_1));
        } catch (IOException e) {
          // closed
        }
      }
    });
    httpApp = HttpServer.create(new InetSocketAddress(APP_IP, 0), 0);
    httpApp.createContext("/", exchange -> {
      byte[] body = ("http app got " + exchange.getRequestURI().getPath() + " from "
          + exchange.getRemoteAddress().getPort()).getBytes(StandardCharsets.UTF_8);
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    httpApp.start();
    proxyPort = LocalMesh.outboundProxy(system, discovery, DISCOVERY_WAIT, metrics);
  }

  @AfterEach
  void stop() throws Exception {
    rules.close();
    if (opaqueApp != null) {
      opaqueApp.close();
      httpApp.stop(0);
      discovery.close();
      system.terminate();
    }
  }

  @Test
  void anInterceptedOpaqueConnectionGoesToItsOriginalDestination() throws Exception {
    int source = RedirectRules.freePort();
    rules.redirect(source, APP_IP, opaqueApp.getLocalPort(), proxyPort);
    String answer = RedirectRules.send(source, APP_IP, opaqueApp.getLocalPort(), "\u0000\u0001opaque bytes");
    assertThat(answer).startsWith("app saw \u0000\u0001opaque bytes from ").doesNotEndWith(" from " + source);
    assertThat(metrics.scrape()).containsPattern("tcp_open_total\\{[^}]*direction=\"outbound\"[^}]*} 1.0");
  }

  @Test
  void anInterceptedHttpRequestIsServedAsHttp() throws Exception {
    int source = RedirectRules.freePort();
    int port = httpApp.getAddress().getPort();
    rules.redirect(source, APP_IP, port, proxyPort);
    String answer = RedirectRules.send(source, APP_IP, port,
        "GET /through HTTP/1.1\r\nHost: " + APP_IP + ":" + port + "\r\nConnection: close\r\n\r\n");
    assertThat(answer).startsWith("HTTP/1.1 200").contains("http app got /through from ").doesNotEndWith(" from " + source);
    assertThat(metrics.scrape()).containsPattern("request_total\\{[^}]*authority=\"" + APP_IP.replace(".", "\\.") + ":" + port
        + "\"[^}]*direction=\"outbound\"[^}]*} 1.0");
  }

  @Test
  void anInterceptedConnectionToTheProxysOwnPortIsRefused() throws Exception {
    int guarded = LocalMesh.outboundProxy(system, discovery, DISCOVERY_WAIT, metrics, java.util.Optional.empty(),
            Set.of(opaqueApp.getLocalPort()))
        .bind(new InetSocketAddress("127.0.0.1", 0)).toCompletableFuture().join().localAddress().getPort();
    int source = RedirectRules.freePort();
    rules.redirect(source, APP_IP, opaqueApp.getLocalPort(), guarded);
    assertThat(RedirectRules.send(source, APP_IP, opaqueApp.getLocalPort(), "loop")).isEmpty();
  }
}
