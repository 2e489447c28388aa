package io.weft.proxy.http;

import io.weft.streams.http.Body;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;

/**
 * Linkerd's HTTP/1 → HTTP/2 upgrade between meshed proxies: the client's proxy may send an HTTP/1
 * request on the peer's multiplexed HTTP/2 connection, marked with {@code l5d-orig-proto}; the
 * peer's proxy restores HTTP/1 for its application. A Linkerd proxy always does this, so the
 * inbound side always accepts it; Weft's outbound does it unless configured not to
 * ({@code weft.proxy.http.mesh.upgrade-http1}). A body's length crosses HTTP/2 as its content-length,
 * so the client gets the length the application sent, not chunks.
 */
public final class OrigProto {
  public static final String HEADER = "l5d-orig-proto";

  private OrigProto() {}

  /**
   * Whether an HTTP/1 request can travel as HTTP/2: not an upgrade to another protocol, and not
   * HEAD (its answer stays on HTTP/1, where a Content-Length describing a body that is not sent is
   * the codec's own to read).
   */
  static boolean upgradable(Request request) {
    return request.version() != HttpVersion.HTTP_2 && !request.isHead() && !(request.body() instanceof Body.Tunnel);
  }

  /** The HTTP/2 form of an HTTP/1 request, marked with the version it had. */
  static Request upgrade(Request request) {
    request.headers().add(HEADER, request.version().text());
    return request.version(HttpVersion.HTTP_2);
  }

  /** The response to an upgraded request, back in the client's protocol. */
  static Response restore(Response response, HttpVersion original) {
    response.version(original);
    response.headers().remove(HEADER);
    return response;
  }

  /**
   * On the peer's side: an upgraded request back in its original protocol; any other request as it
   * is. Returns whether it was upgraded.
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
}
