package io.weft.proxy.http;

import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.event.LoggingAdapter;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.AttributeKeys;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.ws.WebSocketUpgrade;
import org.apache.pekko.http.javadsl.settings.ClientConnectionSettings;
import org.apache.pekko.http.javadsl.settings.ConnectionPoolSettings;
import org.apache.pekko.stream.Materializer;

import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;

/**
 * Sends a request on to an address in the protocol it came in: HTTP/2 over one multiplexed
 * connection per address, HTTP/1.1 from a pool, a WebSocket handshake relayed. An address may be
 * reached directly or through its pod's proxy with a transport header ({@link #viaPeerProxy}).
 * Shared by the outbound side (to endpoints) and the inbound side (to the application).
 */
public final class HttpForwarder {
  private static final String TIMEOUT_ACCESS = "Timeout-Access";
  private static final String CONNECTION = "Connection";
  private static final String KEEP_ALIVE = "Keep-Alive";

  /**
   * How to reach one address: a pool for HTTP/1.1 requests, connection settings for HTTP/2 ones;
   * {@code meshed}: a peer proxy, to which HTTP/1 requests travel as HTTP/2 ({@link OrigProto}).
   */
  public record Upstream(InetSocketAddress address, ConnectionPoolSettings http1, ClientConnectionSettings http2, boolean meshed) {}

  private final Http http;
  private final Executor dispatcher;
  private final ConnectionPoolSettings directPool;
  private final ClientConnectionSettings directConnection;
  private final Http2Upstreams http2;
  private final WebSocketRelay webSockets;
  private final LoggingAdapter logging;
  private final Map<MeshedKey, Upstream> meshed = new ConcurrentHashMap<>();
  private final Optional<io.weft.proxy.identity.MeshTls> tls;

  /** {@code http2QueueSize}: requests that may wait for a stream on one HTTP/2 connection. */
  public HttpForwarder(ActorSystem<?> system, int http2QueueSize) {
    this(system, http2QueueSize, Optional.empty());
  }

  /** {@code tls}: this proxy's mesh TLS, for connections to meshed peers. */
  public HttpForwarder(ActorSystem<?> system, int http2QueueSize, Optional<io.weft.proxy.identity.MeshTls> tls) {
    this.tls = tls;
    this.http = Http.get(system);
    this.dispatcher = system.executionContext();
    this.directPool = ConnectionPoolSettings.create(system.classicSystem());
    this.directConnection = ClientConnectionSettings.create(system.classicSystem());
    this.http2 = new Http2Upstreams(system, http2QueueSize);
    this.logging = Logging.getLogger(system.classicSystem(), HttpForwarder.class);
    this.webSockets = new WebSocketRelay(http, Materializer.matFromSystem(system), logging);
  }

  /** The address itself. */
  public Upstream direct(InetSocketAddress address) {
    return new Upstream(address, directPool, directConnection, false);
  }

  /**
   * The address, through its pod's proxy listening on {@code inboundPort}, over mesh TLS to
   * {@code peerIdentity} when this proxy has identity and discovery named one; kept, so
   * connections are reused.
   */
  public Upstream viaPeerProxy(InetSocketAddress address, int inboundPort, Optional<String> peerIdentity) {
    return meshed.computeIfAbsent(new MeshedKey(address, peerIdentity), k -> {
      InetSocketAddress peer = new InetSocketAddress(address.getAddress(), inboundPort);
      var secured = peerIdentity.flatMap(id -> tls.map(t -> t.client(id)));
      return new Upstream(address, directPool.withTransport(new TransportHeaderClientTransport(peer, address.getPort(), false, secured)),
          directConnection.withTransport(new TransportHeaderClientTransport(peer, address.getPort(), true, secured)), true);
    });
  }

  private record MeshedKey(InetSocketAddress address, Optional<String> identity) {}

  /**
   * True when no answer came because the connection was refused, or its mesh TLS handshake failed:
   * nothing of the request was sent.
   */
  public static boolean refused(Throwable error) {
    return ConnectFailures.refused(error) || ConnectFailures.tlsRefusal(error).isPresent();
  }

  /** Why the peer's mesh TLS was refused (which certificate check failed), if that is what happened. */
  public static Optional<String> tlsRefusal(Throwable error) {
    return ConnectFailures.tlsRefusal(error);
  }

  /**
   * Sends {@code request} (without the headers named in {@code drop}) to {@code upstream}. The result,
   * or the failure when no answer came, is handed to the proxy's dispatcher.
   */
  public CompletionStage<HttpResponse> send(HttpRequest request, Upstream upstream, String... drop) {
    // Timeout-Access is Pekko's server-side handle on the request timeout, not a header to send on;
    // Connection and Keep-Alive are hop-by-hop (RFC 9110 §7.6.1): the client's "close" ends its own
    // connection to this proxy, and must not close the pooled one to the upstream under later requests.
    HttpRequest onward = request.removeHeader(TIMEOUT_ACCESS).removeHeader(CONNECTION).removeHeader(KEEP_ALIVE);
    for (String header : drop) {
      onward = onward.removeHeader(header);
    }
    Optional<WebSocketUpgrade> webSocket = request.getAttribute(AttributeKeys.webSocketUpgrade);
    CompletionStage<HttpResponse> sent;
    boolean upgraded = false;
    if (request.protocol().equals(OrigProto.HTTP_2) && webSocket.isEmpty()) {
      // The connection names the address; the request keeps its :authority, as the client sent it.
      sent = http2.send(upstream.address(), upstream.http2(), onward);
    } else if (upstream.meshed() && webSocket.isEmpty() && OrigProto.upgradable(request)) {
      sent = http2.send(upstream.address(), upstream.http2(), OrigProto.upgrade(onward));
      upgraded = true;
    } else {
      // Pekko's HTTP/1.1 client finds the pool by the URI; the Host header still says what the client asked for.
      Uri uri = request.getUri().scheme("http").host(upstream.address().getHostString()).port(upstream.address().getPort());
      onward = onward.withUri(uri);
      sent = webSocket.isPresent()
          ? webSockets.relay(webSocket.get(), onward, upstream.address(), upstream.http1().getConnectionSettings())
          : http.singleRequest(onward, http.defaultClientHttpsContext(), upstream.http1(), logging);
    }
    // Pekko's CompletionStages come from Scala futures and run even non-async callbacks on the JDK
    // common pool (one thread on two cores). Hand the result to our own dispatcher instead, so the
    // data path never waits for, or on, a pool it shares with everything else in the JVM.
    CompletableFuture<HttpResponse> response = new CompletableFuture<>();
    boolean restore = upgraded;
    sent.whenCompleteAsync((r, error) -> {
      if (error == null) {
        // The upstream's Connection and Keep-Alive were about its hop only (a WebSocket's 101 keeps its Upgrade).
        HttpResponse onwardResponse = webSocket.isPresent() ? r : r.removeHeader(CONNECTION).removeHeader(KEEP_ALIVE);
        response.complete(restore ? OrigProto.restore(onwardResponse, request.protocol()) : onwardResponse);
      } else {
        response.completeExceptionally(error);
      }
    }, dispatcher);
    return response;
  }
}
