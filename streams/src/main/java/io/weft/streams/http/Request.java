package io.weft.streams.http;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * An HTTP request on its way through the proxy: the parts every layer reads (method, target,
 * authority, version), its other header fields, its body, and typed facts layers attach for the
 * layers after them (who the client is, which endpoint was picked). Hop-by-hop fields and framing
 * are not here: each connection's codec reads and writes its own. Owned by one layer at a time.
 */
public final class Request {
  private final String method;
  private String target;
  private String authority;
  private String scheme;
  private HttpVersion version;
  private final Headers headers;
  private Body body;
  private Map<Class<?>, Object> extensions;

  /**
   * {@code target}: the path and query ({@code /a?b}), or {@code *} / an authority for OPTIONS and CONNECT;
   * {@code authority}: the Host header, or HTTP/2's {@code :authority}; empty when the client sent none.
   */
  public Request(String method, String target, String authority, HttpVersion version, Headers headers, Body body) {
    this.method = method;
    this.target = target;
    this.authority = authority;
    this.version = version;
    this.headers = headers;
    this.body = body;
    this.scheme = "http";
  }

  public String method() { return method; }

  public String target() { return target; }

  public String authority() { return authority; }

  public String scheme() { return scheme; }

  public HttpVersion version() { return version; }

  public Headers headers() { return headers; }

  public Body body() { return body; }

  public Request target(String target) {
    this.target = target;
    return this;
  }

  public Request authority(String authority) {
    this.authority = authority;
    return this;
  }

  public Request scheme(String scheme) {
    this.scheme = scheme;
    return this;
  }

  public Request version(HttpVersion version) {
    this.version = version;
    return this;
  }

  public Request body(Body body) {
    this.body = body;
    return this;
  }

  /** A request for HEAD (its response's length describes a body that is not sent). */
  public boolean isHead() {
    return method.equals("HEAD");
  }

  /** Methods whose repetition is safe (RFC 9110 §9.2.2). */
  public boolean idempotent() {
    return switch (method) {
      case "GET", "HEAD", "PUT", "DELETE", "OPTIONS", "TRACE" -> true;
      default -> false;
    };
  }

  /** gRPC, by its content type. */
  public boolean isGrpc() {
    String type = headers.get("content-type");
    return type != null && type.regionMatches(true, 0, "application/grpc", 0, "application/grpc".length());
  }

  public <T> T get(Class<T> key) {
    return extensions == null ? null : key.cast(extensions.get(key));
  }

  public <T> Request put(Class<T> key, T value) {
    if (extensions == null) {
      extensions = new IdentityHashMap<>(4);
    }
    extensions.put(key, value);
    return this;
  }

  /** A copy whose headers and extensions can be changed apart from this one's (the body is shared). */
  public Request copy() {
    Request copy = new Request(method, target, authority, version, headers.copy(), body);
    copy.scheme = scheme;
    if (extensions != null) {
      copy.extensions = new IdentityHashMap<>(extensions);
    }
    return copy;
  }

  @Override
  public String toString() {
    return method + " " + target + " " + version.text() + " (" + authority + ")";
  }
}
