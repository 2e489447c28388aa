package io.weft.actors.grpc;

import io.grpc.Status;
import io.linkerd.proxy.destination.Destination;
import io.linkerd.proxy.destination.GetDestination;
import io.linkerd.proxy.destination.Update;
import io.weft.actors.discovery.IdentityMemo;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;
import org.apache.pekko.http.scaladsl.model.HttpEntity.ChunkStreamPart;
import org.apache.pekko.japi.function.Function;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.zip.GZIPInputStream;
import java.util.zip.GZIPOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.UncheckedIOException;

/**
 * {@code Destination.Get} on the wire, written here instead of by Pekko gRPC's generated handler.
 * Every stream of a port is sent the same update objects ({@code UpdateMemo}), so their gRPC frames
 * are made once and the same bytes are written to every stream. A message larger than
 * {@code compressAbove} (a first message of a big Service) is gzipped, once, for a client that
 * accepts gzip; the small diffs that follow go uncompressed, as Linkerd's control plane sends them.
 * The generated handler serialized and gzipped every message once per stream: for a Service
 * thousands of proxies watch, that was most of the cost of a change. Every other method stays
 * with the generated handler.
 */
public final class DestinationGetHandler {
  public static final String PATH = "/" + Destination.name + "/Get";
  private static final ContentType GRPC = ContentTypes.parse("application/grpc+proto");
  private static final int FRAME_HEADER = 5;
  private static final byte COMPRESSED = 1;
  private static final byte UNCOMPRESSED = 0;
  private static final String GRPC_ENCODING = "grpc-encoding";
  private static final String GRPC_ACCEPT_ENCODING = "grpc-accept-encoding";
  private static final String GZIP = "gzip";

  private final DestinationService service;
  private final Materializer materializer;
  private final Duration requestTimeout;
  private final IdentityMemo<ByteString> frames;
  private final long compressAbove;

  /**
   * @param frameMemoSlots how many distinct update batches' frames are kept for reuse
   * @param compressAbove  messages larger than this many bytes are gzipped for clients that accept it
   */
  public DestinationGetHandler(ActorSystem<?> system, DestinationService service, Duration requestTimeout, int frameMemoSlots,
                               long compressAbove) {
    this.service = service;
    this.materializer = Materializer.matFromSystem(system);
    this.requestTimeout = requestTimeout;
    this.frames = new IdentityMemo<>(frameMemoSlots);
    this.compressAbove = compressAbove;
  }

  /** Serves {@code Destination.Get} and hands every other request to {@code others}. */
  public Function<HttpRequest, CompletionStage<HttpResponse>> orElse(Function<HttpRequest, CompletionStage<HttpResponse>> others) {
    return request -> request.getUri().path().equals(PATH) ? get(request) : others.apply(request);
  }

  private CompletionStage<HttpResponse> get(HttpRequest request) {
    boolean gzipped = request.getHeader(GRPC_ENCODING).map(h -> h.value().equals(GZIP)).orElse(false);
    boolean acceptsGzip = request.getHeader(GRPC_ACCEPT_ENCODING)
        .map(h -> List.of(h.value().split("\\s*,\\s*")).contains(GZIP)).orElse(false);
    return request.entity().toStrict(requestTimeout.toMillis(), materializer)
        .thenApply(strict -> response(updates(strict.getData(), gzipped), acceptsGzip));
  }

  /** The request's one message, or a stream that fails with what is wrong with it. */
  private Source<List<Update>, NotUsed> updates(ByteString body, boolean gzip) {
    GetDestination request;
    try {
      request = GetDestination.parseFrom(message(body, gzip));
    } catch (IOException | IllegalArgumentException e) {
      return Source.failed(new GrpcServiceException(Status.INVALID_ARGUMENT.withDescription(
          "not a GetDestination message: " + e.getMessage())));
    }
    return service.updateBatches(request);
  }

  private static InputStream message(ByteString body, boolean gzip) throws IOException {
    if (body.size() < FRAME_HEADER) {
      throw new IllegalArgumentException("a gRPC message needs a 5-byte frame header, got " + body.size() + " bytes");
    }
    int length = body.iterator().drop(1).getInt(ByteOrder.BIG_ENDIAN);
    if (length < 0 || length > body.size() - FRAME_HEADER) {
      throw new IllegalArgumentException("the frame announces " + length + " bytes but carries " + (body.size() - FRAME_HEADER));
    }
    InputStream bytes = new ByteArrayInputStream(body.slice(FRAME_HEADER, FRAME_HEADER + length).toArray());
    if (body.apply(0) != COMPRESSED) {
      return bytes;
    }
    if (!gzip) {
      throw new IllegalArgumentException("a compressed message without grpc-encoding: gzip");
    }
    return new GZIPInputStream(bytes);
  }

  private HttpResponse response(Source<List<Update>, NotUsed> batches, boolean gzip) {
    // mapConcat, not filter + map: a filter ahead of it lets the stream pull one snapshot ahead of
    // a slow reader, which then gets a stale diff before the coalesced one.
    Source<ChunkStreamPart, NotUsed> parts = batches
        .mapConcat(batch -> batch.isEmpty() ? List.<ChunkStreamPart>of()
            : List.of(chunk(HttpEntity.ChunkStreamPart.create(frames.get(batch, gzip, () -> framed(batch, gzip))))))
        .concat(Source.lazySingle(() -> chunk(trailer(Status.OK))))
        .recover(org.apache.pekko.japi.pf.PFBuilder.<Throwable, ChunkStreamPart>create()
            .matchAny(error -> chunk(failure(error))).build());
    HttpResponse response = HttpResponse.create().withEntity(chunked(parts));
    return gzip ? response.addHeader(RawHeader.create(GRPC_ENCODING, GZIP)) : response;
  }

  /** Pekko HTTP's Java chunks are its Scala ones; its chunked entity is built from those. */
  private static ChunkStreamPart chunk(HttpEntity.ChunkStreamPart part) {
    return (ChunkStreamPart) part;
  }

  @SuppressWarnings("unchecked")
  private static HttpEntity.Chunked chunked(Source<ChunkStreamPart, NotUsed> parts) {
    var scalaParts = (org.apache.pekko.stream.scaladsl.Source<ChunkStreamPart, Object>) (Object) parts.asScala();
    return new org.apache.pekko.http.scaladsl.model.HttpEntity.Chunked((org.apache.pekko.http.scaladsl.model.ContentType) GRPC,
        scalaParts);
  }

  /** The batch's messages as gRPC frames, each above the threshold gzipped when the client accepts it. */
  private ByteString framed(List<Update> batch, boolean gzip) {
    ByteStringBuilder out = new ByteStringBuilder();
    for (Update update : batch) {
      byte[] message = update.toByteArray();
      boolean compress = gzip && message.length > compressAbove;
      byte[] payload = compress ? gzipped(message) : message;
      out.putByte(compress ? COMPRESSED : UNCOMPRESSED);
      out.putInt(payload.length, ByteOrder.BIG_ENDIAN);
      out.putBytes(payload);
    }
    return out.result();
  }

  private static byte[] gzipped(byte[] message) {
    var bytes = new ByteArrayOutputStream(message.length / 4);
    try (var gzip = new GZIPOutputStream(bytes)) {
      gzip.write(message);
    } catch (IOException e) {
      throw new UncheckedIOException("gzip into memory cannot fail", e);
    }
    return bytes.toByteArray();
  }

  private static HttpEntity.ChunkStreamPart failure(Throwable error) {
    Status status = error instanceof GrpcServiceException g ? g.status() : Status.INTERNAL.withDescription(error.getMessage());
    return trailer(status);
  }

  private static HttpEntity.ChunkStreamPart trailer(Status status) {
    List<HttpHeader> trailer = status.getDescription() == null
        ? List.of(RawHeader.create("grpc-status", Integer.toString(status.getCode().value())))
        : List.of(RawHeader.create("grpc-status", Integer.toString(status.getCode().value())),
            RawHeader.create("grpc-message", percentEncoded(status.getDescription())));
    return HttpEntity.ChunkStreamPart.createLast("", trailer);
  }

  /** gRPC's grpc-message encoding: printable ASCII as is, everything else (and '%') percent-encoded as UTF-8. */
  private static String percentEncoded(String text) {
    StringBuilder out = new StringBuilder();
    for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
      int c = b & 0xff;
      if (c >= ' ' && c <= '~' && c != '%') {
        out.append((char) c);
      } else {
        out.append('%').append(Character.toUpperCase(Character.forDigit(c >> 4, 16)))
            .append(Character.toUpperCase(Character.forDigit(c & 0xf, 16)));
      }
    }
    return out.toString();
  }
}
