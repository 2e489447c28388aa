package io.weft.proxy.admin;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import com.typesafe.config.ConfigFactory;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.RemoteAddress;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletionStage;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * The proxy's admin port (4191), with Linkerd's paths and answers: probes, Prometheus metrics,
 * the log level and a shutdown hook, the last two only from the pod itself (loopback).
 */
public final class AdminServer extends AllDirectives {
  /** What the admin server exposes of the proxy. */
  public record Hooks(BooleanSupplier ready, Supplier<String> metrics, LogLevels logLevels,
                      boolean shutdownEnabled, Runnable shutdown, Map<String, String> env) {}

  private final Hooks hooks;

  public AdminServer(Hooks hooks) {
    this.hooks = hooks;
  }

  public CompletionStage<ServerBinding> bind(ActorSystem<?> system, InetSocketAddress address) {
    // HTTP/1.1 only: Pekko does not carry the peer address onto h2c-upgraded requests, and the
    // loopback-only paths depend on it. Probes and Prometheus speak HTTP/1.1 anyway.
    ServerSettings settings = ServerSettings.create(ConfigFactory.parseString(
            "pekko.http.server { enable-http2 = off, remote-address-attribute = on }")
        .withFallback(system.settings().config()));
    return Http.get(system).newServerAt(address.getHostString(), address.getPort()).withSettings(settings).bind(route());
  }

  Route route() {
    // The connection's own peer address, never X-Forwarded-For: a remote caller must not be able
    // to claim to be local.
    return extractRequest(request -> connectionPeer(request, client -> concat(
        new io.weft.protocol.admin.ProbeRoutes(hooks.ready(), hooks.metrics()).route(),
        path("env.json", () -> get(() -> complete(HttpResponse.create().withEntity(
            HttpEntities.create(ContentTypes.APPLICATION_JSON, envJson()))))),
        path("proxy-log-level", () -> loopbackOnly(client, () -> concat(
            get(() -> complete(StatusCodes.OK, hooks.logLevels().current() + "\n")),
            put(() -> entity(org.apache.pekko.http.javadsl.unmarshalling.Unmarshaller.entityToString(), level -> {
              try {
                hooks.logLevels().apply(level);
                return complete(StatusCodes.NO_CONTENT);
              } catch (IllegalArgumentException e) {
                return complete(StatusCodes.BAD_REQUEST, e.getMessage() + "\n");
              }
            })),
            complete(StatusCodes.METHOD_NOT_ALLOWED, "method not allowed\n")))),
        path("shutdown", () -> loopbackOnly(client, () -> concat(
            post(() -> {
              if (!hooks.shutdownEnabled()) {
                return complete(StatusCodes.NOT_FOUND, "shutdown endpoint is not enabled\n");
              }
              hooks.shutdown().run();
              return complete(StatusCodes.OK, "shutdown\n");
            }),
            complete(StatusCodes.METHOD_NOT_ALLOWED, "method not allowed\n")))),
        complete(StatusCodes.NOT_FOUND, "not found\n"))));
  }

  private Route connectionPeer(HttpRequest request, java.util.function.Function<Optional<InetAddress>, Route> inner) {
    return inner.apply(request.getAttribute(AttributeKeys.remoteAddress).flatMap(RemoteAddress::getAddress));
  }

  private Route loopbackOnly(Optional<InetAddress> client, Supplier<Route> inner) {
    boolean loopback = client.map(InetAddress::isLoopbackAddress).orElse(false);
    return loopback ? inner.get() : complete(StatusCodes.FORBIDDEN, "access to this path is only allowed from localhost\n");
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
