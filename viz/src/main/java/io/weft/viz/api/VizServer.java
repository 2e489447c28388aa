package io.weft.viz.api;

import io.weft.viz.query.ResourceRef;
import io.weft.viz.query.StatRequest;
import io.weft.viz.query.VizKind;
import io.weft.viz.tap.TapQuery;
import io.weft.k8s.decode.GoDurations;
import org.apache.pekko.NotUsed;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.MediaTypes;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.server.AllDirectives;
import org.apache.pekko.http.javadsl.server.Route;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import static org.apache.pekko.http.javadsl.server.PathMatchers.segment;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The viz service's HTTP API, which the CLI and the dashboard use: {@code /api/stat},
 * {@code /api/edges}, {@code /api/routes} and {@code /api/pods} answer JSON; {@code /api/tap}
 * streams tap events as JSON lines and {@code /ws/tap} as WebSocket messages; {@code /ws/stat}
 * pushes a stat table and the edges every interval; {@code /ws/feed} relays the control plane's
 * diagnostics feed for a namespace; {@code /} is the dashboard. A bad query gets 400 with
 * what is wrong.
 */
public final class VizServer extends AllDirectives {
  private static final Duration DEFAULT_WINDOW = Duration.ofMinutes(1);
  private static final Duration MIN_PUSH_INTERVAL = Duration.ofMillis(250);
  /** JSON lines, one tap event each. */
  private static final org.apache.pekko.http.javadsl.model.ContentType NDJSON = ContentTypes.create(
      MediaTypes.applicationWithFixedCharset("x-ndjson", org.apache.pekko.http.javadsl.model.HttpCharsets.UTF_8));

  private static final Executor ANSWERS = Executors.newVirtualThreadPerTaskExecutor();
  private final VizApi viz;

  public VizServer(VizApi viz) {
    this.viz = viz;
  }

  public Route route() {
    return concat(
        path(segment("api").slash("stat"), () -> get(() -> json(params -> viz.stat(statRequest(params))))),
        path(segment("api").slash("edges"), () -> get(() -> json(params -> viz.edges(kind(params), namespace(params),
            window(params))))),
        path(segment("api").slash("routes"), () -> get(() -> json(params -> viz.routes(resource(params),
            required(params, "namespace"), optional(params, "from").map(ResourceRef::parse),
            optional(params, "from_namespace").orElse(required(params, "namespace")), window(params))))),
        path(segment("api").slash("pods"), () -> get(() -> json(params -> viz.pods()))),
        path(segment("api").slash("tap"), () -> get(() -> parameterMap(params -> validated(() -> {
          Source<ByteString, NotUsed> lines = viz.tap(tapQuery(params)).map(v -> ByteString.fromString(VizJson.write(v) + "\n"));
          return complete(HttpResponse.create().withEntity(HttpEntities.createChunked(NDJSON, lines)));
        })))),
        path(segment("ws").slash("tap"), () -> parameterMap(params -> validated(() -> {
          return socket(viz.tap(tapQuery(params)).map(v -> TextMessage.create(VizJson.write(v))));
        }))),
        path(segment("ws").slash("stat"), () -> parameterMap(params -> validated(() -> {
          StatRequest request = statRequest(params);
          Duration every = optional(params, "interval").map(GoDurations::parse).filter(d -> d.compareTo(MIN_PUSH_INTERVAL) >= 0)
              .orElse(viz.refreshInterval());
          VizKind edges = request.resource().kind() == VizKind.POD ? VizKind.POD : VizKind.DEPLOYMENT;
          Source<Message, NotUsed> pushes = Source.tick(Duration.ZERO, every, "tick")
              .mapAsync(1, t -> CompletableFuture.supplyAsync(() -> (Message) TextMessage.create(VizJson.write(Map.of(
                  "stat", viz.stat(request), "edges", viz.edges(edges, request.namespace(), request.window())))), ANSWERS))
              .mapMaterializedValue(c -> NotUsed.notUsed());
          return socket(pushes);
        }))),
        path(segment("ws").slash("feed"), () -> parameterMap(params -> validated(() -> {
          return socket(viz.feed(required(params, "namespace")).map(TextMessage::create));
        }))),
        path("ready", () -> get(() -> viz.ready() ? complete("ready\n")
            : complete(StatusCodes.SERVICE_UNAVAILABLE, "not ready: the cluster's state is still being read\n"))),
        pathSingleSlash(() -> getFromResource("dashboard/index.html", ContentTypes.TEXT_HTML_UTF8)),
        pathPrefix("static", () -> getFromResourceDirectory("dashboard")));
  }

  /** A WebSocket that sends {@code messages} and ignores what the client says; either side's close ends both. */
  private Route socket(Source<Message, NotUsed> messages) {
    return handleWebSocketMessages(Flow.fromSinkAndSourceCoupled(Sink.ignore(), messages));
  }

  private interface Query {
    Object answer(Map<String, String> params);
  }

  /** Answered off the server's threads: a query may wait on Prometheus. */
  private Route json(Query query) {
    return parameterMap(params -> completeWithFuture(CompletableFuture.supplyAsync(() -> answer(query, params), ANSWERS)));
  }

  private static HttpResponse answer(Query query, Map<String, String> params) {
    try {
      return HttpResponse.create().withEntity(ContentTypes.APPLICATION_JSON, VizJson.write(query.answer(params)));
    } catch (IllegalArgumentException e) {
      return error(StatusCodes.BAD_REQUEST, e.getMessage());
    } catch (IllegalStateException e) {
      return error(StatusCodes.SERVICE_UNAVAILABLE, e.getMessage());
    }
  }

  private static HttpResponse error(org.apache.pekko.http.javadsl.model.StatusCode status, String message) {
    return HttpResponse.create().withStatus(status)
        .withEntity(ContentTypes.APPLICATION_JSON, VizJson.write(Map.of("error", String.valueOf(message))));
  }

  private Route validated(Supplier<Route> route) {
    try {
      return route.get();
    } catch (IllegalArgumentException e) {
      return complete(error(StatusCodes.BAD_REQUEST, e.getMessage()));
    }
  }

  static StatRequest statRequest(Map<String, String> params) {
    return new StatRequest(resource(params), namespace(params), optional(params, "from").map(ResourceRef::parse),
        optional(params, "from_namespace"), optional(params, "to").map(ResourceRef::parse), optional(params, "to_namespace"),
        window(params));
  }

  static TapQuery tapQuery(Map<String, String> params) {
    return new TapQuery(resource(params), required(params, "namespace"), optional(params, "to").map(ResourceRef::parse),
        optional(params, "to_namespace"), optional(params, "method"), optional(params, "path"), optional(params, "authority"),
        optional(params, "scheme"), optional(params, "max_rps").map(VizServer::number).orElse(TapQuery.DEFAULT_MAX_RPS));
  }

  private static ResourceRef resource(Map<String, String> params) {
    return ResourceRef.parse(required(params, "resource"));
  }

  private static VizKind kind(Map<String, String> params) {
    return resource(params).kind();
  }

  /** Empty: every namespace. */
  private static Optional<String> namespace(Map<String, String> params) {
    return optional(params, "namespace");
  }

  private static Duration window(Map<String, String> params) {
    return optional(params, "window").map(w -> {
      try {
        return GoDurations.parse(w);
      } catch (RuntimeException e) {
        throw new IllegalArgumentException("window '" + w + "' is not a duration (try 10s, 1m or 1h)");
      }
    }).orElse(DEFAULT_WINDOW);
  }

  private static double number(String text) {
    try {
      return Double.parseDouble(text);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + text + "' is not a number");
    }
  }

  private static Optional<String> optional(Map<String, String> params, String name) {
    return Optional.ofNullable(params.get(name)).filter(v -> !v.isBlank());
  }

  private static String required(Map<String, String> params, String name) {
    return optional(params, name).orElseThrow(() -> new IllegalArgumentException("the query needs " + name + "="));
  }
}
