package io.weft.proxy.http;

import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.impl.engine.http2.Http2Blueprint;
import org.apache.pekko.http.impl.engine.http2.TelemetrySpi;
import org.apache.pekko.http.impl.engine.rendering.DateHeaderRendering;
import org.apache.pekko.http.impl.engine.rendering.DateHeaderRendering$;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.settings.ServerSettings;
import org.apache.pekko.stream.TLSProtocol;
import org.apache.pekko.stream.javadsl.BidiFlow;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.TLSPlacebo;
import org.apache.pekko.util.ByteString;
import scala.jdk.javaapi.FutureConverters;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * Pekko HTTP's server over a connection's bytes, after the proxy has read its first bytes to
 * decide what it speaks: the public HTTP/1.1 server layer, and for HTTP/2 Pekko's HTTP/2 stack
 * ({@code Http2Blueprint}, internal in Pekko HTTP 1.3.0 but the only way to run HTTP/2 over a flow
 * that is not a bound port; see docs/DECISIONS.md). Each connection's requests go to its handler.
 */
public final class HttpServerFlows {
  private final ActorSystem<?> system;
  private final ServerSettings settings;
  private final LoggingAdapter log;
  private final TelemetrySpi telemetry;
  private final DateHeaderRendering dates;

  public HttpServerFlows(ActorSystem<?> system) {
    this.system = system;
    this.settings = ServerSettings.create(system.classicSystem());
    this.log = Logging.getLogger(system.classicSystem(), HttpServerFlows.class);
    this.telemetry = TelemetrySpi.create(system.classicSystem());
    // The Date header renderer Pekko's own HTTP/2 server shares: refreshed once a second by the scheduler.
    this.dates = DateHeaderRendering$.MODULE$.apply(DateHeaderRendering$.MODULE$.apply$default$1(), system.classicSystem());
  }

  /** HTTP/1.x: requests answered in order (pipelining limit 1, as Pekko's own server). */
  @SuppressWarnings({"unchecked", "rawtypes"})
  public Flow<ByteString, ByteString, NotUsed> http1(Optional<InetSocketAddress> remote,
                                                    Function<HttpRequest, CompletionStage<HttpResponse>> handler) {
    BidiFlow<HttpResponse, TLSProtocol.SslTlsOutbound, TLSProtocol.SslTlsInbound, HttpRequest, NotUsed> layer =
        Http.get(system).serverLayer(settings, remote, log);
    // Plain bytes under the TLS-shaped layer; SessionBytes is the SslTlsInbound it expects.
    BidiFlow placebo = TLSPlacebo.getInstance();
    BidiFlow<HttpResponse, ByteString, ByteString, HttpRequest, NotUsed> stack = layer.atop(placebo);
    return stack.reversed().join(Flow.<HttpRequest>create().mapAsync(1, handler::apply));
  }

  /** HTTP/2 (prior knowledge): streams answered concurrently, up to the server's stream limit. */
  public Flow<ByteString, ByteString, NotUsed> http2(Function<HttpRequest, CompletionStage<HttpResponse>> handler) {
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
