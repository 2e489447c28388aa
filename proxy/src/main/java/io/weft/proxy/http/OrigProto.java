package io.weft.proxy.http;

import io.weft.streams.http.Body;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;

/**
 * Linkerd's HTTP/1 → HTTP/2 upgrade between meshed proxies: the client's proxy may send an HTTP/1
 * request on the peer's multiplexed HTTP/2 connection, marked with {@code l5d-orig-proto}; the
 * peer's proxy restores HTTP/1 for its application. A Linkerd proxy always does this, so the
 * inbound side always accepts it; Weft's outbound does it when configured to
 * ({@code weft.proxy.mesh.upgrade-http1}). Pekko's HTTP/2 client drops a streamed response's
 * Content-Length, so the peer's proxy repeats it in {@code l5d-orig-content-length} and the
 * client's proxy restores it: the client gets the length the application sent, not chunks.
 */
public final class OrigProto {
  public static final String HEADER = "l5d-orig-proto";
  static final String LENGTH_HEADER = "l5d-orig-content-length";

  private OrigProto() {}

  /**
   * Whether an HTTP/1 request can travel as HTTP/2: not an upgrade to another protocol, and not
   * HEAD (its response's Content-Length describes a body that is not sent, which Pekko's HTTP/2
   * client cannot carry).
   */
  static boolean upgradable(Request request) {
    return request.version() != HttpVersion.HTTP_2 && !request.isHead() && !(request.body() instanceof Body.Tunnel);
  }

  /** The HTTP/2 form of an HTTP/1 request, marked with the version it had. */
  static Request upgrade(Request request) {
    request.headers().add(HEADER, request.version().text());
    return request.version(HttpVersion.HTTP_2);
  }

  /** The response to an upgraded request, back in the client's protocol and with its length. */
  static Response restore(Response response, HttpVersion original) {
    response.version(original);
    response.headers().remove(HEADER);
    String length = response.headers().get(LENGTH_HEADER);
    if (length == null) {
      return response;
    }
    response.headers().remove(LENGTH_HEADER);
    long bytes;
    try {
      bytes = Long.parseLong(length);
    } catch (NumberFormatException e) {
      return response;
    }
    // A known length makes the client's codec frame the body by it, and fail a short one rather than pass it off as whole.
    return response.body() instanceof Body.Streamed s && s.length() < 0 && bytes >= 0
        ? response.body(new Body.Streamed(s.bytes(), bytes)) : response;
  }

  /**
   * On the peer's side: an upgraded request back in its original protocol; any other request as it
   * is. Returns whether it was upgraded (its response then carries its length, {@link #keepLength}).
   */
  public static boolean downgrade(Request request) {
    String original = request.headers().get(HEADER);
    if (original == null) {
      return false;
    }
    request.headers().remove(HEADER);
    request.version(HttpVersion.HTTP_1_0.text().equals(original) ? HttpVersion.HTTP_1_0 : HttpVersion.HTTP_1_1);
    return true;
  }

  /** On the peer's side: the application's response to an upgraded request, its length repeated for the client's proxy. */
  public static Response keepLength(Response response) {
    long length = response.body().length();
    if (length >= 0) {
      response.headers().add(LENGTH_HEADER, Long.toString(length));
    }
    return response.version(HttpVersion.HTTP_2);
  }
}
