package io.weft.proxy.inbound;

import io.weft.proxy.config.ProxyConfig;
import io.weft.proxy.http.ErrorResponses;
import io.weft.proxy.http.HttpForwarder;
import io.weft.proxy.http.OrigProto;
import io.weft.proxy.http.RequestAuthority;
import io.weft.proxy.metrics.HttpMetrics;
import io.weft.streams.queue.FailfastQueue;
import io.weft.streams.queue.ProxyError;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The inbound HTTP path: a request for this pod, from a peer proxy or intercepted, waits in its
 * application port's {@link ApplicationGate}, goes to the application in the protocol it came in,
 * and is counted in Linkerd's inbound families (what `viz stat` reads for the callee). A request
 * the application refused to connect for saw nothing of it, so it waits for the port again.
 */
public final class InboundHttp {
  private static final Logger log = LoggerFactory.getLogger(InboundHttp.class);

  private final ActorSystem<?> system;
  private final HttpForwarder forwarder;
  private final HttpMetrics metrics;
  private final ProxyConfig.Side side;
  private final Duration connectTimeout;
  private final Map<InetSocketAddress, ApplicationGate> gates = new ConcurrentHashMap<>();

  public InboundHttp(ActorSystem<?> system, HttpForwarder forwarder, HttpMetrics metrics, ProxyConfig.Side side,
                     Duration connectTimeout) {
    this.system = system;
    this.forwarder = forwarder;
    this.metrics = metrics;
    this.side = side;
    this.connectTimeout = connectTimeout;
  }

  /** Linkerd's header naming the client's mesh identity to the application. */
  static final String CLIENT_ID = "l5d-client-id";

  /** {@code peer}: how the request's connection came in (mesh TLS and the client's identity, or not). */
  CompletionStage<HttpResponse> handle(HttpRequest incoming, InetSocketAddress application, HttpMetrics.Tls peer) {
    long received = System.nanoTime();
    // Only this proxy may say who the client is: whatever the client wrote in the header is dropped.
    // A peer proxy's upgraded HTTP/1 request goes to the application as HTTP/1 again.
    HttpRequest request = OrigProto.downgrade(incoming).removeHeader(CLIENT_ID);
    if (!peer.clientId().isEmpty()) {
      request = request.addHeader(RawHeader.create(CLIENT_ID, peer.clientId()));
    }
    HttpMetrics.Target target = HttpMetrics.Target.inbound(RequestAuthority.of(request), peer);
    metrics.requested(target);
    ApplicationGate gate = gates.computeIfAbsent(application, a -> new ApplicationGate(system, a, side, connectTimeout));
    return admitted(request, application, gate).thenApply(response -> OrigProto.keepLength(incoming, response))
        .whenComplete((response, error) -> metrics.responded(target, response, System.nanoTime() - received));
  }

  private CompletionStage<HttpResponse> admitted(HttpRequest request, InetSocketAddress application, ApplicationGate gate) {
    return gate.queue().admit().thenCompose(admission -> switch (admission) {
      case FailfastQueue.Admission.Refused refused ->
          CompletableFuture.completedFuture(ErrorResponses.of(refused.error(), request));
      case FailfastQueue.Admission.Admitted admitted -> forwarder.send(request, forwarder.direct(application))
          .handle((response, error) -> {
            gate.queue().release();
            if (error == null) {
              return CompletableFuture.completedFuture(response);
            }
            if (HttpForwarder.refused(error) && request.entity().isStrict()) {
              gate.refused();
              return admitted(request, application, gate);
            }
            log.debug("inbound request for {} failed: {}", application, error.toString());
            return CompletableFuture.completedFuture(ErrorResponses.of(ProxyError.CONNECTION_FAILED, request));
          })
          .thenCompose(response -> response);
    });
  }
}
