package io.weft.proxy.http;

import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.ConnectionContext;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.WebSocketRequest;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.http.javadsl.settings.ClientConnectionSettings;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.AsPublisher;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * Passes a WebSocket through: the upstream handshake is made first, and only when the endpoint
 * accepts does the client get its 101, with the endpoint's chosen subprotocol; otherwise the client
 * gets the endpoint's refusal. Messages then flow both ways unchanged.
 */
final class WebSocketRelay {
  /** Headers the WebSocket client makes itself, or that belong to the hop, not the request. */
  private static final Set<String> HANDSHAKE_HEADERS = Set.of("host", "upgrade", "connection", "sec-websocket-key",
      "sec-websocket-version", "sec-websocket-protocol", "sec-websocket-extensions", "timeout-access");

  private final Http http;
  private final Materializer materializer;
  private final LoggingAdapter logging;

  WebSocketRelay(Http http, Materializer materializer, LoggingAdapter logging) {
    this.http = http;
    this.materializer = materializer;
    this.logging = logging;
  }

  CompletionStage<HttpResponse> relay(WebSocketUpgrade upgrade, HttpRequest request, InetSocketAddress endpoint,
                                      ClientConnectionSettings settings) {
    Uri uri = request.getUri().scheme("ws").host(endpoint.getHostString()).port(endpoint.getPort());
    WebSocketRequest onward = WebSocketRequest.create(uri);
    for (HttpHeader header : request.getHeaders()) {
      if (!HANDSHAKE_HEADERS.contains(header.lowercaseName())) {
        onward = onward.addHeader(header);
      }
    }
    for (String subprotocol : upgrade.getRequestedProtocols()) {
      onward = onward.requestSubprotocol(subprotocol);
    }
    Flow<Message, Message, CompletionStage<org.apache.pekko.http.javadsl.model.ws.WebSocketUpgradeResponse>> upstream =
        http.webSocketClientFlow(onward, ConnectionContext.noEncryption(), Optional.empty(), settings, logging);
    // Materialized now, so the endpoint's answer is known before the client is answered.
    var ends = Source.<Message>asSubscriber().viaMat(upstream, Keep.both())
        .toMat(Sink.asPublisher(AsPublisher.WITHOUT_FANOUT), Keep.both()).run(materializer);
    Sink<Message, ?> toEndpoint = Sink.fromSubscriber(ends.first().first());
    Source<Message, ?> fromEndpoint = Source.fromPublisher(ends.second());
    return ends.first().second().thenApply(answer -> {
      if (!answer.isValid()) {
        Source.<Message>empty().runWith(toEndpoint, materializer);
        fromEndpoint.runWith(Sink.cancelled(), materializer);
        return answer.response();
      }
      Flow<Message, Message, ?> relay = Flow.fromSinkAndSourceCoupled(toEndpoint, fromEndpoint);
      return answer.chosenSubprotocol().map(chosen -> upgrade.handleMessagesWith(relay, chosen))
          .orElseGet(() -> upgrade.handleMessagesWith(relay));
    });
  }
}
