package io.weft.streams.http;

/**
 * An HTTP request on its way through the proxy: the parts every layer reads (method, target,
 * authority) beside what every message has. Hop-by-hop fields and framing are not here: each
 * connection's codec reads and writes its own.
 */
public final class Request extends Message {
  private final String method;
  private String target;
  private String authority;
  private String scheme;

  /**
   * {@code target}: the path and query ({@code /a?b}), or {@code *} / an authority for OPTIONS and CONNECT;
   * {@code authority}: the Host header, or HTTP/2's {@code :authority}; empty when the client sent none.
   */
  public Request(String method, String target, String authority, HttpVersion version, Headers headers, Body body) {
    super(version, headers, body);
    this.method = method;
    this.target = target;
    this.authority = authority;
    this.scheme = "http";
  }

  public String method() { return method; }

  public String target() { return target; }

  /** The target's path: the target without its query. */
  public String path() {
    int query = target.indexOf('?');
    return query < 0 ? target : target.substring(0, query);
  }

  public String authority() { return authority; }

  public String scheme() { return scheme; }

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
    setVersion(version);
    return this;
  }

  public Request body(Body body) {
    setBody(body);
    return this;
  }

  /**
   * This request as it is now, with its own copy of the header fields and {@code body}: what a
   * retry sends, since the layers below change the request they are given.
   */
  public Request copyWith(Body body) {
    Request copy = new Request(method, target, authority, version(), headers().copy(), body);
    copy.scheme = scheme;
    copyExtensionsTo(copy);
    return copy;
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
    String type = headers().get("content-type");
    return type != null && type.regionMatches(true, 0, "application/grpc", 0, "application/grpc".length());
  }

  public <T> Request put(Class<T> key, T value) {
    putExtension(key, value);
    return this;
  }

  @Override
  public String toString() {
    return method + " " + target + " " + version().text() + " (" + authority + ")";
  }
}
