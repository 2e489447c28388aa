package io.weft.proxy.http;

import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.http.impl.engine.http2.Http2Blueprint;
import org.apache.pekko.http.impl.engine.http2.TelemetrySpi;
import org.apache.pekko.http.impl.engine.rendering.DateHeaderRendering$;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.scaladsl.settings.ServerSettings;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;
import scala.jdk.javaapi.FutureConverters;

import java.util.concurrent.CompletionStage;
import java.util.function.Function;

/**
 * An HTTP/2 (prior knowledge) connection answered by a Pekko gRPC handler — the tap port's — on
 * Pekko HTTP's HTTP/2 server stack ({@code Http2Blueprint}, internal in Pekko HTTP 1.3.0 but the
 * only way to run it over a flow that is not a bound port; see docs/DECISIONS.md), behind
 * {@link Http2Guard}. Made only when the tap port is served, so a proxy without tap never loads
 * Pekko's HTTP/2 server.
 */
public final class GrpcServerFlow {
  private GrpcServerFlow() {}

  /** {@code maxHeaderListSize}: the largest request header section the guard lets through. */
  public static Flow<ByteString, ByteString, NotUsed> of(ActorSystem<?> system, int maxHeaderListSize,
                                                        Function<HttpRequest, CompletionStage<HttpResponse>> handler) {
    ServerSettings settings = (ServerSettings) org.apache.pekko.http.javadsl.settings.ServerSettings.create(system.classicSystem());
    var stack = Http2Blueprint.serverStack(settings, Logging.getLogger(system.classicSystem(), GrpcServerFlow.class),
        Http2Blueprint.serverStack$default$3(), false, TelemetrySpi.create(system.classicSystem()),
        // Pekko's Date header renderer, refreshed once a second by the scheduler.
        DateHeaderRendering$.MODULE$.apply(DateHeaderRendering$.MODULE$.apply$default$1(), system.classicSystem()));
    scala.Function1<org.apache.pekko.http.scaladsl.model.HttpRequest,
        scala.concurrent.Future<org.apache.pekko.http.scaladsl.model.HttpResponse>> scalaHandler =
        request -> FutureConverters.asScala(handler.apply(request)
            .thenApply(response -> (org.apache.pekko.http.scaladsl.model.HttpResponse) response));
    var handling = Http2Blueprint.handleWithStreamIdHeader(settings.http2Settings().maxConcurrentStreams(),
        scalaHandler, system.executionContext());
    return Http2Guard.of(maxHeaderListSize)
        .join(stack.reversed().join(handling).asJava().mapMaterializedValue(terminator -> NotUsed.notUsed()));
  }
}
