package io.weft.proxy.tap;

import io.linkerd.proxy.tap.ObserveRequest;
import io.linkerd.proxy.tap.TapEvent;
import io.weft.proxy.http.BodyWatch;
import io.weft.proxy.http.ClientAddress;
import io.weft.proxy.metrics.HttpMetrics;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import io.weft.streams.service.Layer;
import io.weft.streams.stage.PlainFuture;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Source;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;

/**
 * The proxy's live taps (Linkerd's tap registry) and the layers that feed them. With no tap open
 * a request costs the layer one volatile read; a tapped request is matched against each open tap,
 * and its events are built and queued without waiting (see {@link TapSession}).
 */
public final class Taps {
  /** Linkerd's label for a request's TLS: the source's on the inbound side, the destination's outbound. */
  private static final String TLS = "tls";
  /** The outbound side's source is the application, on this host. */
  private static final Map<String, String> LOOPBACK = Map.of(TLS, "loopback");
  private static final TapSession[] NONE = {};

  private final ActorSystem<?> system;
  private final int buffer;
  private final Runnable dropped;
  private final LongSupplier clock;
  private final AtomicInteger bases = new AtomicInteger();
  private volatile TapSession[] sessions = NONE;

  /** {@code buffer}: events a session holds for a slow client before dropping; {@code dropped}: counts each drop. */
  public Taps(ActorSystem<?> system, int buffer, Runnable dropped, LongSupplier clock) {
    this.system = system;
    this.buffer = buffer;
    this.dropped = dropped;
    this.clock = clock;
  }

  /**
   * Starts a tap: its events until {@code observe}'s limit of requests has been taken and each
   * has ended, or until the stream is cancelled. Throws {@link TapMatch.InvalidMatch} for a
   * request the proxy cannot serve.
   */
  public Source<TapEvent, NotUsed> observe(ObserveRequest observe) {
    if (observe.getLimit() == 0) {
      throw new TapMatch.InvalidMatch("limit must be positive");
    }
    if (!observe.hasMatch()) {
      throw new TapMatch.InvalidMatch("a tap needs a match");
    }
    TapMatch match = TapMatch.compile(observe.getMatch());
    boolean headers = observe.getExtract().getHttp().hasHeaders();
    var queued = Source.<TapEvent>queue(buffer).preMaterialize(system);
    TapSession session = new TapSession(bases.getAndIncrement(), match, observe.getLimit(), headers, queued.first(), dropped,
        clock);
    add(session);
    return queued.second().watchTermination((mat, done) -> {
      PlainFuture.of(done).whenComplete((ok, error) -> {
        session.finish();
        remove(session);
      });
      return NotUsed.notUsed();
    });
  }

  /** Taps open now. */
  public int open() {
    return sessions.length;
  }

  /** Requests for this pod's application from {@code source}, to {@code destination}, over a connection with {@code peer}'s TLS. */
  public Layer<Request, Response> inbound(InetSocketAddress source, InetSocketAddress destination, HttpMetrics.Tls peer) {
    Map<String, String> sourceLabels = peer.tls().equals("true") ? Map.of(TLS, "true", "client_id", peer.clientId())
        : Map.of(TLS, peer.noTlsReason());
    return layer(TapEvent.ProxyDirection.INBOUND, request -> source, destination, Map.of(), sourceLabels);
  }

  /**
   * Requests sent to one endpoint, {@code labels} its discovery labels, over {@code tls}; the
   * source is the application connection's address the outbound side put on each request.
   */
  public Layer<Request, Response> outbound(InetSocketAddress endpoint, Map<String, String> labels, HttpMetrics.Tls tls) {
    Map<String, String> destination = new HashMap<>(labels);
    if (tls.tls().equals("true")) {
      destination.put(TLS, "true");
      destination.put("server_id", tls.serverId());
    } else {
      destination.put(TLS, tls.noTlsReason());
    }
    return layer(TapEvent.ProxyDirection.OUTBOUND, request -> {
      ClientAddress client = request.get(ClientAddress.class);
      return client == null ? null : client.address();
    }, endpoint, Map.copyOf(destination), LOOPBACK);
  }

  private Layer<Request, Response> layer(TapEvent.ProxyDirection direction,
                                         java.util.function.Function<Request, InetSocketAddress> source,
                                         InetSocketAddress destination, Map<String, String> destinationLabels,
                                         Map<String, String> sourceLabels) {
    return inner -> request -> {
      TapSession[] now = sessions;
      if (now.length == 0) {
        return inner.call(request);
      }
      TappedRequest tapped = new TappedRequest(request, source.apply(request), destination, destinationLabels, Map.of());
      List<TapSession.Tapping> taps = null;
      for (TapSession session : now) {
        TapSession.Tapping tapping = session.tap(tapped, direction, sourceLabels);
        if (tapping != null) {
          if (taps == null) {
            taps = new ArrayList<>(now.length);
          }
          taps.add(tapping);
        }
      }
      if (taps == null) {
        return inner.call(request);
      }
      List<TapSession.Tapping> following = taps;
      return inner.call(request).whenComplete((response, error) -> {
        if (response == null) {
          following.forEach(t -> t.ended(0, new io.weft.streams.http.Headers(), error));
          return;
        }
        following.forEach(t -> t.responded(response));
        BodyWatch.watch(response, (bytes, trailers, failure) -> following.forEach(t -> t.ended(bytes, trailers, failure)));
      });
    };
  }

  private synchronized void add(TapSession session) {
    TapSession[] grown = java.util.Arrays.copyOf(sessions, sessions.length + 1);
    grown[sessions.length] = session;
    sessions = grown;
  }

  private synchronized void remove(TapSession session) {
    sessions = java.util.Arrays.stream(sessions).filter(s -> s != session).toArray(TapSession[]::new);
  }
}
