package io.weft.proxy.netns;

import com.sun.net.httpserver.HttpServer;
import com.typesafe.config.ConfigFactory;
import io.weft.proxy.config.ProxyConfig;
import io.weft.proxy.ProxyRuntime;

import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * What runs inside a test's pod network namespace, each in its own JVM started with
 * {@code ip netns exec}: {@code app PORT} (an HTTP server that says who called it) or
 * {@code proxy} (a Weft proxy configured from LINKERD2_PROXY_* in its environment).
 */
public final class PodProcess {
  private PodProcess() {}

  public static void main(String[] args) throws Exception {
    switch (args[0]) {
      case "app" -> {
        HttpServer app = HttpServer.create(new InetSocketAddress("0.0.0.0", Integer.parseInt(args[1])), 0);
        app.createContext("/", exchange -> {
          byte[] body = ("app saw " + exchange.getRequestURI().getPath() + " from "
              + exchange.getRemoteAddress().getAddress().getHostAddress()).getBytes(StandardCharsets.UTF_8);
          exchange.sendResponseHeaders(200, body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
        app.start();
      }
      case "proxy" -> ProxyRuntime.start(ProxyConfig.fromEnv(System.getenv()), System.getenv(), ConfigFactory.load());
      default -> throw new IllegalArgumentException("app PORT | proxy");
    }
    System.out.println("started " + args[0]);
    Thread.currentThread().join();
  }
}
