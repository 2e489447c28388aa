package io.weft.proxy.http;

import io.weft.proxy.tcp.Drain;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.http1.Http1Limits;
import io.weft.streams.http1.Http1Server;
import io.weft.streams.http2.Http2Server;
import io.weft.streams.http2.Http2Settings;
import io.weft.streams.service.Service;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;


/**
 * The server side of a connection the proxy has read the first bytes of to decide what it speaks:
 * HTTP/1 and HTTP/2 with Weft's own codecs ({@link Http1Server}, {@link Http2Server}), each
 * connection's requests to its service. (The tap port's gRPC service runs on Pekko's: {@link GrpcServerFlow}.)
 */
public final class HttpServerFlows {
  private final Http1Limits limits;
  private final Drain drain;
  private final Http2Settings http2;

  public HttpServerFlows(ActorSystem<?> system, Http1Limits limits) {
    this(system, limits, Http2Keepalive.NONE);
  }

  /** {@code keepalive}: the HTTP/2 server's pings of a quiet connection (Linkerd's {@code *_SERVER_HTTP2_KEEP_ALIVE_*}). */
  public HttpServerFlows(ActorSystem<?> system, Http1Limits limits, Http2Keepalive keepalive) {
    this.limits = limits;
    this.drain = Drain.get(system);
    this.http2 = Http2Settings.from(system.settings().config()).withMaxHeaderListSize(limits.maxHeadBytes())
        .withPings(keepalive.interval(), keepalive.timeout());
  }

  /**
   * HTTP/1.x: requests answered in order, one at a time (pipelined ones wait their turn); when the
   * proxy drains, the connection closes behind the answer in hand.
   */
  public Flow<ByteString, ByteString, NotUsed> http1(Service<Request, Response> service) {
    return Http1Server.flow(service, limits, drain.servers());
  }

  /**
   * HTTP/2 (prior knowledge) with Weft's own HTTP/2: streams answered concurrently, up to the
   * server's stream limit; malformed requests refused stream by stream; GOAWAY when the proxy drains.
   */
  public Flow<ByteString, ByteString, NotUsed> http2(Service<Request, Response> service) {
    return Http2Server.flow(service, http2, drain.servers());
  }
}
