package io.weft.proxy.http;

import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.http1.Http1Limits;
import io.weft.streams.http1.Http1Server;
import io.weft.streams.http2.Http2Server;
import io.weft.streams.http2.Http2Settings;
import io.weft.streams.service.Service;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.impl.engine.http2.Http2Blueprint;
import org.apache.pekko.http.impl.engine.http2.TelemetrySpi;
import org.apache.pekko.http.impl.engine.rendering.DateHeaderRendering;
import org.apache.pekko.http.impl.engine.rendering.DateHeaderRendering$;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import scala.jdk.javaapi.FutureConverters;

import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * The server side of a connection the proxy has read the first bytes of to decide what it speaks:
 * HTTP/1 and HTTP/2 with Weft's own codecs ({@link Http1Server}, {@link Http2Server}), each
 * connection's requests to its service. A gRPC service of the proxy's own (tap) runs on Pekko's
 * HTTP/2 stack ({@code Http2Blueprint}, internal in Pekko HTTP 1.3.0 but the only way to run it over
 * a flow that is not a bound port; see docs/DECISIONS.md) behind {@link Http2Guard}.
 */
public final class HttpServerFlows {
  private final ActorSystem<?> system;
  private final ServerSettings settings;
  private final LoggingAdapter log;
  private final TelemetrySpi telemetry;
  private final DateHeaderRendering dates;
  private final Http1Limits limits;
  private final Drain drain;
  private final Http2Settings http2;

  public HttpServerFlows(ActorSystem<?> system, Http1Limits limits) {
    this(system, limits, Http2Keepalive.NONE);
  }

  /** {@code keepalive}: the HTTP/2 server's pings of a quiet connection (Linkerd's {@code *_SERVER_HTTP2_KEEP_ALIVE_*}). */
  public HttpServerFlows(ActorSystem<?> system, Http1Limits limits, Http2Keepalive keepalive) {
    this.system = system;
    this.limits = limits;
    this.drain = Drain.get(system);
    this.http2 = Http2Settings.from(system.settings().config()).withMaxHeaderListSize(limits.maxHeadBytes())
        .withPings(keepalive.interval(), keepalive.timeout());
    ServerSettings defaults = ServerSettings.create(system.classicSystem());
    var http2 = defaults.getHttp2Settings();
    http2 = keepalive.interval().map(http2::withPingInterval).orElse(http2);
    http2 = keepalive.pekkoTimeout().map(http2::withPingTimeout).orElse(http2);
    this.settings = defaults.withHttp2Settings(http2);
    this.log = Logging.getLogger(system.classicSystem(), HttpServerFlows.class);
    this.telemetry = TelemetrySpi.create(system.classicSystem());
    // The Date header renderer Pekko's own HTTP/2 server shares: refreshed once a second by the scheduler.
    this.dates = DateHeaderRendering$.MODULE$.apply(DateHeaderRendering$.MODULE$.apply$default$1(), system.classicSystem());
  }

  /** HTTP/1.x: requests answered in order, one at a time (pipelined ones wait their turn). */
  public Flow<ByteString, ByteString, NotUsed> http1(Service<Request, Response> service) {
    return Http1Server.flow(drain.counting(service, true), limits);
  }

  /**
   * HTTP/2 (prior knowledge) with Weft's own HTTP/2: streams answered concurrently, up to the
   * server's stream limit; malformed requests refused stream by stream.
   */
  public Flow<ByteString, ByteString, NotUsed> http2(Service<Request, Response> service) {
    return Http2Server.flow(drain.counting(service, false), http2);
  }

  /** HTTP/2 (prior knowledge) answered by a Pekko handler (a gRPC service's), malformed requests refused as above. */
  public Flow<ByteString, ByteString, NotUsed> http2Handler(Function<HttpRequest, CompletionStage<HttpResponse>> handler) {
    return Http2Guard.of(limits.maxHeadBytes()).join(pekkoHttp2(handler));
  }

  private Flow<ByteString, ByteString, NotUsed> pekkoHttp2(Function<HttpRequest, CompletionStage<HttpResponse>> handler) {
    var scalaSettings = (org.apache.pekko.http.scaladsl.settings.ServerSettings) settings;
    var stack = Http2Blueprint.serverStack(scalaSettings, log, Http2Blueprint.serverStack$default$3(), false,
        telemetry, dates);
    scala.Function1<org.apache.pekko.http.scaladsl.model.HttpRequest,
        scala.concurrent.Future<org.apache.pekko.http.scaladsl.model.HttpResponse>> scalaHandler =
        request -> FutureConverters.asScala(handler.apply(request)
            .thenApply(response -> (org.apache.pekko.http.scaladsl.model.HttpResponse) response));
    var handling = Http2Blueprint.handleWithStreamIdHeader(scalaSettings.http2Settings().maxConcurrentStreams(),
        scalaHandler, system.executionContext());
    return stack.reversed().join(handling).asJava().mapMaterializedValue(terminator -> NotUsed.notUsed());
  }
}
