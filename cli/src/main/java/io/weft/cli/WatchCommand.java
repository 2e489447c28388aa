package io.weft.cli;

import io.weft.protocol.net.Authority;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.io.PrintWriter;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code weft diagnostics watch}: the control plane's diagnostics feed in a terminal — one JSON line
 * per change to what it serves for the authorities and pod ports asked for, as proxies receive it.
 */
@Command(name = "watch", description = "Follow what the control plane serves as it changes, one JSON line per change: the "
    + "endpoints of each --authority, the inbound policy of each --port of a pod (po/NAME:PORT, with -n), and with --events "
    + "the input events the control plane applies and the certificates it issues.")
final class WatchCommand implements Runnable {
  @Spec CommandSpec spec;

  @Option(names = "--admin", converter = AuthorityConverter.class, defaultValue = "127.0.0.1:9996",
      description = "The control plane's admin address, where its feed is (default: ${DEFAULT-VALUE}).")
  Authority admin;

  @Option(names = "--authority", paramLabel = "NAME:PORT", description = "A Service's authority whose endpoints to follow.")
  List<String> authorities = new ArrayList<>();

  @Option(names = "--port", paramLabel = "po/NAME:PORT", description = "A pod's port whose inbound policy to follow.")
  List<String> ports = new ArrayList<>();

  @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "The pods' namespace (default: ${DEFAULT-VALUE}).")
  String namespace;

  @Option(names = "--events", description = "Also the tail of what the control plane does: input events as they are applied, "
      + "certificates issued.")
  boolean events;

  @Option(names = "--count", paramLabel = "N", description = "Stop after N messages (default: follow until interrupted).")
  Integer count;

  @Override
  public void run() {
    StringBuilder query = new StringBuilder();
    authorities.forEach(a -> query.append("&authority=").append(encode(a)));
    for (String port : ports) {
      String pod = port.startsWith("po/") ? port.substring(3) : port.startsWith("pod/") ? port.substring(4) : port;
      int colon = pod.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException("--port " + port + ": a pod's port is po/NAME:PORT");
      }
      query.append("&workload=").append(encode("{\"ns\":\"" + namespace + "\",\"pod\":\"" + pod.substring(0, colon) + "\"}"))
          .append("&port=").append(encode(pod.substring(colon + 1)));
    }
    if (events) {
      query.append("&events=true");
    }
    if (query.isEmpty()) {
      throw new IllegalArgumentException("give --authority NAME:PORT, --port po/NAME:PORT or --events");
    }
    PrintWriter out = spec.commandLine().getOut();
    CompletableFuture<Void> done = new CompletableFuture<>();
    AtomicInteger seen = new AtomicInteger();
    URI feed = URI.create("ws://" + admin.host() + ":" + admin.port() + "/feed?" + query.substring(1));
    WebSocket socket = HttpClient.newHttpClient().newWebSocketBuilder().buildAsync(feed, new WebSocket.Listener() {
      private final StringBuilder text = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
        text.append(data);
        if (last) {
          out.println(text);
          out.flush();
          text.setLength(0);
          if (count != null && seen.incrementAndGet() >= count) {
            done.complete(null);
          }
        }
        webSocket.request(1);
        return null;
      }

      @Override
      public CompletionStage<?> onClose(WebSocket webSocket, int status, String reason) {
        done.complete(null);
        return null;
      }

      @Override
      public void onError(WebSocket webSocket, Throwable error) {
        done.completeExceptionally(error);
      }
    }).exceptionally(e -> {
      throw new IllegalStateException("cannot reach the control plane's feed at " + feed + ": " + e.getMessage());
    }).join();
    try {
      done.join();
    } finally {
      socket.abort();
    }
  }

  private static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
