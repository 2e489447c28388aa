package io.weft.proxy.http;

import io.weft.streams.http.Body;
import org.apache.pekko.NotUsed;
import io.weft.streams.http.Headers;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import org.apache.pekko.http.javadsl.model.ContentType;
import org.apache.pekko.http.javadsl.model.ContentTypes;
import org.apache.pekko.http.javadsl.model.HttpEntities;
import org.apache.pekko.http.javadsl.model.HttpEntity;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.HttpMethods;
import org.apache.pekko.http.javadsl.model.HttpProtocol;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.RequestEntity;
import org.apache.pekko.http.javadsl.model.ResponseEntity;
import org.apache.pekko.http.javadsl.model.StatusCodes;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Between the light model and Pekko HTTP's, for HTTP/2 (which Pekko's HTTP/2 stack carries). A
 * message keeps the Pekko entity it came with while no layer replaced its body, so an HTTP/2
 * stream forwarded as HTTP/2 keeps its trailers (gRPC's status) and its framing as it was.
 */
public final class Http2Bridge {
  /** Pekko's javadsl names HTTP/1.x only. */
  static final HttpProtocol HTTP_2 = (HttpProtocol) org.apache.pekko.http.scaladsl.model.HttpProtocols.getForKey("HTTP/2.0").get();
  private static final String CONTENT_TYPE = "content-type";
  /** Fields Pekko's renderer takes only as its own header models. */
  private static final java.util.Set<String> MODELED = java.util.Set.of("date", "server", "user-agent");
  /** Pekko's handle on the server's request timeout, not a field of the request. */
  private static final String TIMEOUT_ACCESS = "timeout-access";
  /** Content types seen, parsed once each (a proxy sees few distinct ones: gRPC's, JSON, ...). */
  private static final int CONTENT_TYPES_KEPT = 256;
  private static final Map<String, ContentType> CONTENT_TYPES = new ConcurrentHashMap<>();

  /** The Pekko entity a message came with, and the body made from it. */
  record Origin(Body body, HttpEntity entity) {}

  private Http2Bridge() {}

  public static Request request(HttpRequest pekko) {
    return request(pekko, pekko.entity());
  }

  /**
   * As {@link #request(HttpRequest)}, its body ending with the trailers its stream ended with
   * ({@code trailers}: the connection's, kept by {@link Http2Guard}, as Pekko drops them).
   */
  public static Request request(HttpRequest pekko, RequestTrailers trailers) {
    HttpEntity entity = pekko.entity();
    org.apache.pekko.http.javadsl.model.AttributeKey<Object> streamId = org.apache.pekko.http.impl.engine.http2.Http2$.MODULE$.streamId();
    int stream = (Integer) pekko.getAttribute(streamId).orElse(0);
    if (entity instanceof HttpEntity.Strict || entity.isKnownEmpty()) {
      // Pekko collected the whole stream before the request was handed over: its trailers are in already.
      List<RequestFieldRules.Field> ended = trailers.take(stream);
      return request(pekko, ended.isEmpty() ? entity : withTrailers(entity, () -> ended));
    }
    return request(pekko, withTrailers(entity, () -> trailers.take(stream)));
  }

  private static Request request(HttpRequest pekko, HttpEntity entity) {
    var scala = (org.apache.pekko.http.scaladsl.model.HttpRequest) pekko;
    Headers headers = headers(pekko.getHeaders(), entity);
    String target = scala.uri().toRelative().toString();
    String authority = RequestAuthority.of(pekko);
    Body body = body(entity);
    Request request = new Request(pekko.method().value(), target.isEmpty() ? "/" : target, authority,
        HttpVersion.HTTP_2, headers, body);
    request.scheme(scala.uri().scheme().isEmpty() ? "http" : scala.uri().scheme());
    return request.put(Origin.class, new Origin(body, entity));
  }

  /** {@code entity}'s data as chunks, then a last chunk with the trailers {@code ended} names once the data is done (if any). */
  private static HttpEntity withTrailers(HttpEntity entity,
                                         java.util.function.Supplier<List<RequestFieldRules.Field>> ended) {
    org.apache.pekko.stream.javadsl.Source<HttpEntity.ChunkStreamPart, ?> data = entity instanceof HttpEntity.Chunked chunked
        ? chunked.getChunks().filter(part -> !part.isLastChunk())
        : entity.getDataBytes().map(HttpEntity.ChunkStreamPart::create);
    org.apache.pekko.stream.javadsl.Source<HttpEntity.ChunkStreamPart, NotUsed> last =
        org.apache.pekko.stream.javadsl.Source.lazySource(() -> {
          List<RequestFieldRules.Field> fields = ended.get();
          if (fields.isEmpty()) {
            return org.apache.pekko.stream.javadsl.Source.<HttpEntity.ChunkStreamPart>empty();
          }
          List<org.apache.pekko.http.scaladsl.model.HttpHeader> trailer = new ArrayList<>(fields.size());
          fields.forEach(f -> trailer.add(org.apache.pekko.http.scaladsl.model.headers.RawHeader.apply(f.name(), f.value())));
          return org.apache.pekko.stream.javadsl.Source.<HttpEntity.ChunkStreamPart>single(
              org.apache.pekko.http.scaladsl.model.HttpEntity.LastChunk$.MODULE$.apply("",
                  scala.jdk.javaapi.CollectionConverters.asScala(trailer).toList()));
        }).mapMaterializedValue(m -> NotUsed.notUsed());
    return chunked(entity.getContentType(), data.concatLazy(last)); // lazily: the trailers are known only once the data has ended
  }

  /** A chunked entity of exactly {@code parts}, last chunk and trailers included (Pekko's javadsl makes chunked entities only from bytes). */
  @SuppressWarnings("unchecked")
  static org.apache.pekko.http.scaladsl.model.HttpEntity.Chunked chunked(ContentType type,
      org.apache.pekko.stream.javadsl.Source<HttpEntity.ChunkStreamPart, ?> parts) {
    var scalaParts = (org.apache.pekko.stream.scaladsl.Source<org.apache.pekko.http.scaladsl.model.HttpEntity.ChunkStreamPart, Object>)
        (Object) parts.asScala();
    return org.apache.pekko.http.scaladsl.model.HttpEntity.Chunked$.MODULE$.apply(
        (org.apache.pekko.http.scaladsl.model.ContentType) type, scalaParts);
  }

  public static HttpRequest toPekko(Request request) {
    ContentType type = contentType(request.headers());
    Origin origin = request.get(Origin.class);
    RequestEntity entity = origin != null && origin.body() == request.body() && origin.entity() instanceof RequestEntity e
        ? e : (RequestEntity) entity(type, request.body());
    Uri uri = Uri.create(request.scheme() + "://" + request.authority() + request.target());
    return HttpRequest.create().withMethod(HttpMethods.lookup(request.method()).orElseGet(() -> HttpMethods.custom(request.method(), false, false,
            org.apache.pekko.http.javadsl.model.RequestEntityAcceptances.Expected)))
        .withUri(uri).withProtocol(HTTP_2).withHeaders(raw(request.headers())).withEntity(entity);
  }

  public static Response response(HttpResponse pekko, HttpVersion version) {
    Body body = body(pekko.entity());
    Response response = new Response(pekko.status().intValue(), null, version, headers(pekko.getHeaders(), pekko.entity()), body);
    return response.put(Origin.class, new Origin(body, pekko.entity()));
  }

  public static HttpResponse toPekko(Response response) {
    ContentType type = contentType(response.headers());
    Origin origin = response.get(Origin.class);
    ResponseEntity entity = origin != null && origin.body() == response.body() && origin.entity() instanceof ResponseEntity e
        ? e : entity(type, response.body());
    return HttpResponse.create().withStatus(StatusCodes.get(response.status())).withHeaders(raw(response.headers()))
        .withEntity(entity);
  }

  private static Headers headers(Iterable<HttpHeader> fields, HttpEntity entity) {
    Headers headers = new Headers();
    for (HttpHeader field : fields) {
      if (!field.is(TIMEOUT_ACCESS)) {
        headers.add(field.name(), field.value());
      }
    }
    ContentType type = entity.getContentType();
    if (!type.equals(ContentTypes.NO_CONTENT_TYPE)) {
      headers.add(CONTENT_TYPE, type.toString());
    }
    return headers;
  }

  /**
   * Pekko keeps the content type on the entity: every other field goes as it is — as a raw field,
   * except the few Pekko renders itself unless given its own model of them (as raw fields it would
   * drop them with a warning per message).
   */
  private static List<HttpHeader> raw(Headers headers) {
    List<HttpHeader> raw = new ArrayList<>(headers.size());
    for (int i = 0; i < headers.size(); i++) {
      String name = headers.name(i);
      if (name.equalsIgnoreCase(CONTENT_TYPE) || name.equalsIgnoreCase("content-length")) {
        continue;
      }
      if (MODELED.contains(name.toLowerCase(java.util.Locale.ROOT))) {
        HttpHeader modeled = HttpHeader.parse(name, headers.value(i));
        if (!(modeled instanceof RawHeader)) {
          raw.add(modeled);
        }
        continue;
      }
      raw.add(RawHeader.create(name, headers.value(i)));
    }
    return raw;
  }

  private static ContentType contentType(Headers headers) {
    String value = headers.get(CONTENT_TYPE);
    if (value == null) {
      return ContentTypes.NO_CONTENT_TYPE;
    }
    ContentType known = CONTENT_TYPES.get(value);
    if (known != null) {
      return known;
    }
    var parsed = org.apache.pekko.http.scaladsl.model.ContentType.parse(value);
    ContentType type = parsed.isRight() ? parsed.toOption().get() : ContentTypes.APPLICATION_OCTET_STREAM;
    if (CONTENT_TYPES.size() < CONTENT_TYPES_KEPT) {
      CONTENT_TYPES.put(value, type);
    }
    return type;
  }

  static Body body(HttpEntity entity) {
    if (entity instanceof HttpEntity.Strict strict) {
      return Body.of(strict.getData());
    }
    return new Body.Streamed(entity.getDataBytes(), entity.getContentLengthOption().orElse(-1));
  }

  private static ResponseEntity entity(ContentType type, Body body) {
    return switch (body) {
      case Body.Empty e -> HttpEntities.create(type, org.apache.pekko.util.ByteString.emptyByteString());
      case Body.Strict s -> HttpEntities.create(type, s.bytes());
      case Body.Streamed s -> s.length() >= 0 ? HttpEntities.create(type, s.length(), s.bytes())
          : HttpEntities.createChunked(type, s.bytes());
      case Body.Tunnel t -> HttpEntities.createChunked(type, t.bytes());
    };
  }
}
