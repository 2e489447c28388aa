package io.weft.proxy.admin;

import io.weft.protocol.admin.Probes;
import io.weft.protocol.admin.Probes.Answer;
import io.weft.proxy.http.HttpSettings;
import io.weft.streams.http.Bodies;
import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.http1.Http1Limits;
import io.weft.streams.http1.Http1Server;
import io.weft.streams.tcp.EventLoops;
import io.weft.streams.tcp.TcpListener;
import io.weft.streams.tcp.TcpStage;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.util.ByteString;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.channels.SocketChannel;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The proxy's admin port (4191), with Linkerd's paths and answers: probes, Prometheus metrics,
 * the environment, the log level and a shutdown hook, the last two only from the pod itself
 * (loopback). HTTP/1.1 on Weft's own codec, as kubelet probes and Prometheus speak it.
 */
public final class AdminServer {
  /** What the admin server exposes of the proxy. */
  public record Hooks(BooleanSupplier ready, Supplier<String> metrics, LogLevels logLevels,
                      boolean shutdownEnabled, Runnable shutdown, Map<String, String> env) {}

  private static final int BACKLOG = 128;
  private static final String JSON = "application/json";
  private static final String LOG_LEVEL = "/proxy-log-level";

  private final Hooks hooks;
  private final Probes probes;

  public AdminServer(Hooks hooks) {
    this.hooks = hooks;
    this.probes = new Probes(hooks.ready(), hooks.metrics());
  }

  /** Listens on {@code address}; requests' heads (and a new log level) within the proxy's HTTP/1 limits. */
  public TcpListener.Binding bind(ActorSystem<?> system, InetSocketAddress address) {
    Http1Limits limits = HttpSettings.from(system.settings().config()).limits();
    EventLoops loops = EventLoops.get(system.classicSystem());
    Materializer materializer = Materializer.matFromSystem(system);
    try {
      return TcpListener.bind(loops, address, BACKLOG, system.executionContext(), channel -> {
        // The connection's own peer, never X-Forwarded-For: a remote caller must not be able to claim to be local.
        boolean local = loopback(channel);
        TcpStage.accepted(loops, channel)
            .join(Http1Server.flow(request -> answer(request, local, limits, materializer), limits))
            .run(materializer);
      });
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private CompletionStage<Response> answer(Request request, boolean local, Http1Limits limits, Materializer materializer) {
    String path = request.path();
    String method = request.method();
    if (!(local && path.equals(LOG_LEVEL) && method.equals("PUT"))) {
      Bodies.discard(request.body(), materializer); // only a new log level is read
    }
    CompletionStage<Answer> answer = probes.answer(method, path).map(CompletableFuture::completedStage)
        .orElseGet(() -> switch (path) {
          case "/env.json" -> CompletableFuture.completedStage(Probes.readOnly(method, () -> new Answer(200, JSON, envJson())));
          case LOG_LEVEL -> local ? logLevel(request, limits, materializer) : forbidden();
          case "/shutdown" -> local ? CompletableFuture.completedStage(shutdown(method)) : forbidden();
          default -> CompletableFuture.completedStage(Answer.text(404, "not found\n"));
        });
    return answer.thenApply(a -> new Response(a.status(), null, request.version(),
        new Headers().add("content-type", a.contentType()), Body.of(ByteString.fromString(a.body()))));
  }

  private CompletionStage<Answer> logLevel(Request request, Http1Limits limits, Materializer materializer) {
    return switch (request.method()) {
      case "GET", "HEAD" -> CompletableFuture.completedStage(Answer.text(200, hooks.logLevels().current() + "\n"));
      case "PUT" -> Bodies.inHandUpTo(request.body(), limits.maxHeadBytes(), materializer).thenApply(body -> {
        // Streamed past the limit, or already in hand past it (it came in the same read as the head).
        if (!body.replayable() || body.length() > limits.maxHeadBytes()) {
          Bodies.discard(body, materializer);
          return Answer.text(413, "a log level is at most " + limits.maxHeadBytes() + " bytes\n");
        }
        String level = body instanceof Body.Strict strict ? strict.bytes().utf8String() : "";
        try {
          hooks.logLevels().apply(level);
          return Answer.text(204, "");
        } catch (IllegalArgumentException e) {
          return Answer.text(400, e.getMessage() + "\n");
        }
      });
      default -> CompletableFuture.completedStage(Probes.methodNotAllowed());
    };
  }

  private Answer shutdown(String method) {
    if (!method.equals("POST")) {
      return Probes.methodNotAllowed();
    }
    if (!hooks.shutdownEnabled()) {
      return Answer.text(404, "shutdown endpoint is not enabled\n");
    }
    hooks.shutdown().run();
    return Answer.text(200, "shutdown\n");
  }

  private static CompletionStage<Answer> forbidden() {
    return CompletableFuture.completedStage(Answer.text(403, "access to this path is only allowed from localhost\n"));
  }

  private static boolean loopback(SocketChannel channel) {
    try {
      return channel.getRemoteAddress() instanceof InetSocketAddress remote && remote.getAddress().isLoopbackAddress();
    } catch (IOException e) {
      return false; // the client is already gone
    }
  }

  private String envJson() {
    Map<String, String> proxyEnv = new TreeMap<>();
    hooks.env().forEach((k, v) -> {
      if (k.startsWith("LINKERD2_PROXY_") || k.startsWith("_pod_")) {
        proxyEnv.put(k, v);
      }
    });
    return JsonText.object(proxyEnv);
  }
}
