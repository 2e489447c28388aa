package io.weft.proxy.tap;

import com.google.protobuf.InvalidProtocolBufferException;
import io.linkerd.proxy.tap.ObserveRequest;
import io.linkerd.proxy.tap.TapEvent;
import io.weft.proxy.http.Http2Transport;
import io.weft.proxy.tcp.Dial;
import io.weft.proxy.identity.MeshTls;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.http.javadsl.settings.ClientConnectionSettings;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * A tap of one proxy, from its tap port over mesh TLS with the tap service's identity: what the
 * viz service fans out to. The events arrive as the proxy sends them; the stream ends when the
 * proxy ends it (its limit reached), and fails with the proxy's gRPC status if it refuses.
 */
public final class RemoteTap {
  private static final String PATH = "/io.linkerd.proxy.tap.Tap/Observe";
  private static final int FRAME_HEADER = 5;
  private static final String OK = "0";

  /** The proxy answered with a gRPC error (or not with gRPC at all). */
  public static final class TapRefused extends RuntimeException {
    TapRefused(String message) {
      super(message, null, false, false);
    }
  }

  private RemoteTap() {}

  /** {@code proxy}'s tap port at {@code address}; {@code proxyIdentity}: the identity its TLS must prove. */
  public static Source<TapEvent, NotUsed> observe(ActorSystem<?> system, MeshTls tls, InetSocketAddress address,
                                                  String proxyIdentity, ObserveRequest request) {
    ClientConnectionSettings settings = ClientConnectionSettings.create(system.classicSystem());
    settings = settings.withTransport(Http2Transport.direct(address, tls.client(proxyIdentity), Dial.within(java.time.Duration.ofNanos(settings.getConnectingTimeout().toNanos()))));
    var connection = Http.get(system).connectionTo(address.getHostString()).toPort(address.getPort())
        .withClientConnectionSettings(settings).http2WithPriorKnowledge();
    byte[] message = request.toByteArray();
    ByteString body = ByteString.fromArray(ByteBuffer.allocate(FRAME_HEADER + message.length).put((byte) 0)
        .putInt(message.length).put(message).array());
    HttpRequest call = HttpRequest.POST("http://" + address.getHostString() + ":" + address.getPort() + PATH)
        .addHeader(RawHeader.create("te", "trailers"))
        .withEntity(HttpEntities.create(ContentTypes.parse("application/grpc"), body));
    Object end = new Object();
    // The request side stays open (Source.maybe) while the answer streams: closing it would close the connection.
    return Source.single(call).concat(Source.maybe())
        .via(connection)
        .flatMapConcat(response -> events(system, response).map(e -> (Object) e).concat(Source.single(end)))
        .takeWhile(e -> e != end)
        .map(TapEvent.class::cast)
        .mapMaterializedValue(m -> NotUsed.notUsed());
  }

  private static Source<TapEvent, NotUsed> events(ActorSystem<?> system, HttpResponse response) {
    Optional<String> status = header(response.getHeaders(), "grpc-status");
    if (response.status().intValue() != 200 || status.filter(s -> !s.equals(OK)).isPresent()) {
      response.discardEntityBytes(system);
      return Source.failed(refused(response.status().intValue(), status, header(response.getHeaders(), "grpc-message")));
    }
    if (!(response.entity() instanceof HttpEntity.Chunked chunked)) {
      return response.entity().getDataBytes().via(new Frames().flow()).mapMaterializedValue(m -> NotUsed.notUsed());
    }
    return chunked.getChunks().mapConcat(chunk -> {
      if (chunk.isLastChunk()) {
        Optional<String> trailer = header(chunk.getTrailerHeaders(), "grpc-status");
        if (trailer.filter(s -> !s.equals(OK)).isPresent()) {
          throw refused(200, trailer, header(chunk.getTrailerHeaders(), "grpc-message"));
        }
      }
      return List.of(chunk.data());
    }).via(new Frames().flow()).mapMaterializedValue(m -> NotUsed.notUsed());
  }

  private static TapRefused refused(int http, Optional<String> status, Optional<String> message) {
    return new TapRefused("the proxy refused the tap: " + status.map(s -> "grpc-status " + s).orElse("HTTP " + http)
        + message.map(m -> " (" + m + ")").orElse(""));
  }

  private static Optional<String> header(Iterable<HttpHeader> fields, String name) {
    for (HttpHeader field : fields) {
      if (field.is(name)) {
        return Optional.of(field.value());
      }
    }
    return Optional.empty();
  }

  /** gRPC's length-prefixed messages, cut from the bytes however they were split. */
  private static final class Frames {
    private ByteString pending = ByteString.emptyByteString();

    org.apache.pekko.stream.javadsl.Flow<ByteString, TapEvent, NotUsed> flow() {
      return org.apache.pekko.stream.javadsl.Flow.<ByteString>create().mapConcat(this::cut);
    }

    private List<TapEvent> cut(ByteString bytes) throws InvalidProtocolBufferException {
      pending = pending.concat(bytes);
      List<TapEvent> events = new ArrayList<>();
      while (pending.size() >= FRAME_HEADER) {
        if (pending.apply(0) != 0) {
          throw new TapRefused("the proxy sent a compressed tap event, which was not asked for");
        }
        int length = pending.slice(1, FRAME_HEADER).asByteBuffer().getInt();
        if (pending.size() < FRAME_HEADER + length) {
          break;
        }
        events.add(TapEvent.parseFrom(pending.slice(FRAME_HEADER, FRAME_HEADER + length).toArray()));
        pending = pending.drop(FRAME_HEADER + length);
      }
      return events;
    }
  }
}
