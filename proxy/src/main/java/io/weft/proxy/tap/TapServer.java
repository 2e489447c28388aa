package io.weft.proxy.tap;

import io.linkerd.proxy.tap.TapHandlerFactory;
import io.weft.proxy.http.GrpcServerFlow;
import io.weft.proxy.identity.MeshTls;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import io.weft.streams.tcp.EventLoops;
import io.weft.streams.tcp.TcpListener;
import io.weft.streams.tcp.TcpStage;
import org.apache.pekko.stream.Materializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The tap port (Linkerd's 4190): {@code Tap.Observe} over mesh TLS, to the tap service's identity
 * only ({@code LINKERD2_PROXY_TAP_SVC_NAME}). A client without mesh TLS never gets past the
 * handshake; one with another identity is answered PERMISSION_DENIED, naming both.
 */
public final class TapServer {
  private static final Logger log = LoggerFactory.getLogger(TapServer.class);
  /** gRPC's PERMISSION_DENIED. */
  private static final String PERMISSION_DENIED = "7";

  private static final int BACKLOG = 128;

  private TapServer() {}

  public static TcpListener.Binding bind(ActorSystem<?> system, InetSocketAddress listen, MeshTls tls,
                                                        String tapIdentity, Taps taps, int maxHeaderListSize) {
    // Made on the first tap, so a proxy nobody taps never loads the gRPC server's classes.
    var grpc = new java.util.concurrent.atomic.AtomicReference<org.apache.pekko.japi.function.Function<HttpRequest,
        CompletionStage<HttpResponse>>>();
    EventLoops loops = EventLoops.get(system.classicSystem());
    Materializer materializer = Materializer.matFromSystem(system);
    try {
      return TcpListener.bind(loops, listen, BACKLOG, system.executionContext(), channel -> {
          AtomicReference<String> client = new AtomicReference<>("");
          var served = GrpcServerFlow.of(system, maxHeaderListSize, request -> {
            String identity = client.get();
            if (!identity.equals(tapIdentity)) {
              log.warn("refused a tap from {} (identity '{}'): only {} may tap this proxy", remote(channel),
                  identity, tapIdentity);
              return CompletableFuture.completedFuture(denied(identity, tapIdentity));
            }
            try {
              return grpc.updateAndGet(h -> h != null ? h : TapHandlerFactory.create(new TapService(taps), system)).apply(request);
            } catch (Exception e) {
              return CompletableFuture.failedFuture(e);
            }
          });
          TcpStage.accepted(loops, channel)
              .join(tls.server(session -> client.set(MeshTls.peerIdentity(session).orElse(""))).join(served))
              .run(materializer);
        });
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private static Object remote(java.nio.channels.SocketChannel channel) {
    try {
      return channel.getRemoteAddress();
    } catch (java.io.IOException e) {
      return "a closed connection";
    }
  }

  private static HttpResponse denied(String identity, String tapIdentity) {
    String message = "tap is served to " + tapIdentity + " only; the client is "
        + (identity.isEmpty() ? "unauthenticated" : identity);
    return HttpResponse.create().withEntity(HttpEntities.create(ContentTypes.parse("application/grpc"), new byte[0]))
        .withHeaders(List.of(RawHeader.create("grpc-status", PERMISSION_DENIED), RawHeader.create("grpc-message", message)));
  }
}
