package io.weft.proxy.http;

import io.weft.protocol.transport.Header;
import io.weft.protocol.transport.SessionProtocol;
import io.weft.proxy.identity.MeshTls;
import io.weft.proxy.tcp.Forwarding;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.http.Connector;
import io.weft.streams.http1.Http1Pool;
import io.weft.streams.http2.Http2Endpoint;
import io.weft.streams.http2.Http2Settings;
import io.weft.streams.service.Service;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;

import java.net.InetSocketAddress;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The proxy's connections to one address, as a {@link Service} that sends each request in the
 * protocol it came in: HTTP/1 over a keep-alive pool of Weft's own HTTP/1 connections, HTTP/2 over
 * one multiplexed connection of Weft's own HTTP/2. An address is reached directly or through its pod's proxy
 * ({@link #viaPeerProxy}): a transport header naming the port, inside mesh TLS when both sides
 * have identity. Shared by the outbound side (to endpoints) and the inbound side (to the application).
 */
public final class HttpClients {
  /**
   * {@code pool}: HTTP/1 connections' limits, idle timeout and lifetime (HTTP/2 connections share
   * the lifetime); {@code http2QueueSize}: requests that may wait for a stream on one HTTP/2
   * connection; {@code upgradeHttp1}: HTTP/1 to a peer proxy travels as HTTP/2 ({@link OrigProto})
   * instead of over pooled HTTP/1 connections.
   */
  public record Settings(Http1Pool.Settings pool, io.weft.proxy.tcp.Dial dial, int http2QueueSize, boolean upgradeHttp1) {}

  private final ActorSystem<?> system;
  private final Materializer materializer;
  private final Settings settings;
  private final Http2Settings http2;
  private final Optional<MeshTls> tls;

  public HttpClients(ActorSystem<?> system, Settings settings, Optional<MeshTls> tls) {
    this.system = system;
    this.materializer = Materializer.matFromSystem(system);
    this.settings = settings;
    this.tls = tls;
    this.http2 = Http2Settings.from(system.settings().config()).withMaxQueuedRequests(settings.http2QueueSize())
        .withMaxHeaderListSize(settings.pool().limits().maxHeadBytes()).withIdleTimeout(settings.pool().idleTimeout());
  }

  /** The address itself. */
  public Service<Request, Response> direct(InetSocketAddress address) {
    Connector connector = () -> Forwarding.connection(system, address, settings.dial());
    return new Endpoint(pool(connector, address.toString()), http2(connector, address.toString()), false);
  }

  /**
   * The address, through its pod's proxy listening on {@code inboundPort}, over mesh TLS to
   * {@code peerIdentity} when this proxy has identity and discovery named one.
   */
  public Service<Request, Response> viaPeerProxy(InetSocketAddress address, int inboundPort, Optional<String> peerIdentity) {
    InetSocketAddress peer = new InetSocketAddress(address.getAddress(), inboundPort);
    var secured = peerIdentity.flatMap(id -> tls.map(t -> t.client(id)));
    Header http1 = Header.newBuilder().setPort(address.getPort())
        .setSessionProtocol(SessionProtocol.newBuilder().setHttp1(SessionProtocol.Http1.getDefaultInstance())).build();
    Header http2 = Header.newBuilder().setPort(address.getPort())
        .setSessionProtocol(SessionProtocol.newBuilder().setHttp2(SessionProtocol.Http2.getDefaultInstance())).build();
    String name = address + " via its proxy";
    return new Endpoint(pool(() -> Forwarding.peerConnection(system, peer, http1, settings.dial(), secured), name),
        http2(() -> Forwarding.peerConnection(system, peer, http2, settings.dial(), secured), name), true);
  }

  private Http1Pool pool(Connector connector, String name) {
    return new Http1Pool(materializer, connector, settings.pool(), name);
  }

  private Http2Endpoint http2(Connector connector, String name) {
    return new Http2Endpoint(materializer, connector, http2, settings.pool().lifetime(), name);
  }

  private final class Endpoint implements Service<Request, Response> {
    private final Http1Pool http1;
    private final Http2Endpoint http2;
    private final boolean meshed;

    Endpoint(Http1Pool http1, Http2Endpoint http2, boolean meshed) {
      this.http1 = http1;
      this.http2 = http2;
      this.meshed = meshed;
    }

    @Override
    public CompletionStage<Response> call(Request request) {
      if (request.version() == HttpVersion.HTTP_2) {
        return overHttp2(request, HttpVersion.HTTP_2);
      }
      if (meshed && settings.upgradeHttp1() && OrigProto.upgradable(request)) {
        HttpVersion original = request.version();
        return overHttp2(OrigProto.upgrade(request), original).thenApply(response -> OrigProto.restore(response, original));
      }
      return http1.call(request);
    }

    private CompletionStage<Response> overHttp2(Request request, HttpVersion answerAs) {
      return http2.call(request).thenApply(response -> response.version(answerAs));
    }
  }
}
