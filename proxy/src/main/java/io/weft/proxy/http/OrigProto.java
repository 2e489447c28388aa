package io.weft.proxy.http;

import org.apache.pekko.http.javadsl.model.HttpProtocol;
import org.apache.pekko.http.javadsl.model.HttpProtocols;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.http.javadsl.model.HttpResponse;
import org.apache.pekko.http.javadsl.model.HttpHeader;
import org.apache.pekko.http.javadsl.model.Uri;
import org.apache.pekko.http.javadsl.model.headers.RawHeader;

/**
 * Linkerd's HTTP/1 → HTTP/2 upgrade between meshed proxies: the client's proxy sends an HTTP/1
 * request on the peer's multiplexed HTTP/2 connection, marked with {@code l5d-orig-proto}; the
 * peer's proxy restores HTTP/1 for its application. One connection per peer instead of a pool,
 * and no head-of-line blocking between the proxies. Pekko's HTTP/2 client drops a streamed
 * response's Content-Length, so the peer's proxy repeats it in {@code l5d-orig-content-length} and
 * the client's proxy restores it: the client gets the length the application sent, not chunks.
 */
public final class OrigProto {
  public static final String HEADER = "l5d-orig-proto";
  static final String LENGTH_HEADER = "l5d-orig-content-length";
  /** Pekko's javadsl names HTTP/1.x only. */
  static final HttpProtocol HTTP_2 = (HttpProtocol) org.apache.pekko.http.scaladsl.model.HttpProtocols.getForKey("HTTP/2.0").get();
  private static final String HOST = "Host";
  private static final String EXPECT = "Expect";

  private OrigProto() {}

  /**
   * Whether an HTTP/1 request can travel as HTTP/2: not an upgrade to another protocol, not CONNECT,
   * and not HEAD (its response's Content-Length describes a body that is not sent, which Pekko's
   * HTTP/2 client cannot carry).
   */
  static boolean upgradable(HttpRequest request) {
    String method = request.method().value();
    return !request.protocol().equals(HTTP_2) && !method.equals("CONNECT") && !method.equals("HEAD")
        && request.getHeader("Upgrade").isEmpty();
  }

  /**
   * The HTTP/2 form of an HTTP/1 request: its Host becomes the :authority (the absolute URI), and
   * Expect is dropped (this proxy already answered the client's 100-continue).
   */
  static HttpRequest upgrade(HttpRequest request) {
    // The :authority is the Host as the client wrote it (the server layer's effective URI adds a default port).
    Uri absolute = Uri.create("http://" + RequestAuthority.of(request) + request.getUri().toRelative());
    return request.withProtocol(HTTP_2).withUri(absolute).removeHeader(HOST).removeHeader(EXPECT)
        .addHeader(RawHeader.create(HEADER, request.protocol().value()));
  }

  /** The response to an upgraded request, back in the client's protocol and with its length. */
  static HttpResponse restore(HttpResponse response, HttpProtocol original) {
    HttpResponse restored = response.withProtocol(original).removeHeader(HEADER);
    java.util.Optional<HttpHeader> length = response.getHeader(LENGTH_HEADER);
    if (length.isEmpty()) {
      return restored;
    }
    restored = restored.removeHeader(LENGTH_HEADER);
    long bytes;
    try {
      bytes = Long.parseLong(length.get().value());
    } catch (NumberFormatException e) {
      return restored;
    }
    var entity = response.entity();
    // A Default entity fails its stream if the bytes do not add up, rather than passing a short body off as whole.
    return entity.isStrict() || bytes < 0 ? restored
        : restored.withEntity(org.apache.pekko.http.javadsl.model.HttpEntities.create(entity.getContentType(), bytes,
            entity.getDataBytes()));
  }

  /**
   * On the peer's side: the application's response to an upgraded request, its length repeated for
   * the client's proxy (see the class comment); any other response as it is.
   */
  public static HttpResponse keepLength(HttpRequest upgraded, HttpResponse response) {
    if (upgraded.getHeader(HEADER).isEmpty()) {
      return response;
    }
    return response.entity().getContentLengthOption().stream().boxed().findFirst()
        .map(bytes -> response.addHeader(RawHeader.create(LENGTH_HEADER, Long.toString(bytes)))).orElse(response);
  }

  /**
   * On the peer's side: an upgraded request back in its original protocol, with the :authority as
   * its Host again; any other request as it is.
   */
  public static HttpRequest downgrade(HttpRequest request) {
    return request.getHeader(HEADER).map(h -> {
      HttpProtocol original = h.value().equals(HttpProtocols.HTTP_1_0.value()) ? HttpProtocols.HTTP_1_0 : HttpProtocols.HTTP_1_1;
      HttpRequest restored = request.removeHeader(HEADER).withProtocol(original);
      String authority = RequestAuthority.of(request);
      return authority.isEmpty() ? restored : restored.addHeader(HttpHeader.parse(HOST, authority));
    }).orElse(request);
  }
}
