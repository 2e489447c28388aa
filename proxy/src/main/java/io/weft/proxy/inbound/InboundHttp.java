package io.weft.proxy.inbound;

import io.weft.proxy.http.ErrorResponses;
import io.weft.proxy.http.HttpForwarder;
import io.weft.proxy.metrics.HttpMetrics;
import io.weft.streams.queue.ProxyError;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.Host;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;

/**
 * The inbound HTTP path: a request for this pod, from a peer proxy or intercepted, goes to the
 * application on the port it was for, in the protocol it came in, and is counted in Linkerd's
 * inbound families (what `viz stat` reads for the callee).
 */
public final class InboundHttp {
  private static final Logger log = LoggerFactory.getLogger(InboundHttp.class);

  private final HttpForwarder forwarder;
  private final HttpMetrics metrics;

  public InboundHttp(HttpForwarder forwarder, HttpMetrics metrics) {
    this.forwarder = forwarder;
    this.metrics = metrics;
  }

  CompletionStage<HttpResponse> handle(HttpRequest request, InetSocketAddress application) {
    long received = System.nanoTime();
    HttpMetrics.Target target = HttpMetrics.Target.inbound(authority(request));
    metrics.requested(target);
    return forwarder.send(request, forwarder.direct(application))
        .exceptionally(error -> {
          log.debug("inbound request for {} failed: {}", application, error.toString());
          return ErrorResponses.of(ProxyError.CONNECTION_FAILED, request);
        })
        .whenComplete((response, error) -> metrics.responded(target, response, System.nanoTime() - received));
  }

  private static String authority(HttpRequest request) {
    return request.getHeader(Host.class).map(h -> h.host().address() + (h.port() == 0 ? "" : ":" + h.port()))
        .orElseGet(() -> request.getUri().host().address()
            + (request.getUri().port() == 0 ? "" : ":" + request.getUri().port()));
  }
}
