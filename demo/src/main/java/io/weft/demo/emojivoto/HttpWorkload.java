package io.weft.demo.emojivoto;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpHandler;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.Executors;

/**
 * A small HTTP service of the example app: it serves on its pod's address and reaches the services
 * it depends on through its own proxy's outbound port, naming them by Host as an app in the mesh would.
 */
abstract class HttpWorkload implements Workload {
  private static final Duration CALL_TIMEOUT = Duration.ofSeconds(10);

  private final HttpServer server;
  private final HttpClient client;
  private final InetSocketAddress outboundProxy;

  HttpWorkload(InetSocketAddress listen, InetSocketAddress outboundProxy) {
    this.outboundProxy = outboundProxy;
    // HTTP/1.1: the JDK client may not set Host itself, and Host is how the mesh routes.
    this.client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(CALL_TIMEOUT).build();
    try {
      server = HttpServer.create(listen, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot listen on " + listen, e);
    }
    server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
    server.start();
  }

  /** Serves {@code path} (and everything below it) with {@code handler}. */
  final void route(String path, HttpHandler handler) {
    server.createContext(path, handler);
  }

  /** Calls {@code authority}{@code pathAndQuery} through the proxy; returns the status and body. */
  Response call(String method, String authority, String pathAndQuery) {
    // The request goes to the proxy; l5d-dst-override names the real target (Host is restricted in the JDK client).
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + outboundProxy.getHostString() + ":"
            + outboundProxy.getPort() + pathAndQuery))
        .header("l5d-dst-override", authority).timeout(CALL_TIMEOUT)
        .method(method, HttpRequest.BodyPublishers.noBody()).build();
    try {
      HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
      return new Response(response.statusCode(), response.body());
    } catch (IOException e) {
      return new Response(599, e.toString());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return new Response(599, "interrupted");
    }
  }

  record Response(int status, String body) {}

  static void reply(HttpExchange exchange, int status, String json) throws IOException {
    byte[] body = json.getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "application/json");
    exchange.sendResponseHeaders(status, body.length);
    exchange.getResponseBody().write(body);
    exchange.close();
  }

  static String query(HttpExchange exchange, String name) {
    String q = exchange.getRequestURI().getQuery();
    if (q == null) {
      return "";
    }
    for (String part : q.split("&")) {
      if (part.startsWith(name + "=")) {
        return java.net.URLDecoder.decode(part.substring(name.length() + 1), StandardCharsets.UTF_8);
      }
    }
    return "";
  }

  @Override
  public void close() {
    server.stop(0);
    client.close();
  }
}
