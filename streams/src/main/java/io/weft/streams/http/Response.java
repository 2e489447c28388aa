package io.weft.streams.http;

import org.apache.pekko.util.ByteString;

/** An HTTP response on its way back through the proxy; like {@link Request}, without hop-by-hop fields. */
public final class Response {
  private final int status;
  private final String reason;
  private HttpVersion version;
  private final Headers headers;
  private Body body;

  /** {@code reason}: the HTTP/1 reason phrase as the server wrote it, or null for the status's own. */
  public Response(int status, String reason, HttpVersion version, Headers headers, Body body) {
    this.status = status;
    this.reason = reason;
    this.version = version;
    this.headers = headers;
    this.body = body;
  }

  /** A response the proxy makes itself, with a plain-text body. */
  public static Response text(int status, String text) {
    Headers headers = new Headers().add("content-type", "text/plain; charset=utf-8");
    return new Response(status, null, HttpVersion.HTTP_1_1, headers, Body.of(ByteString.fromString(text)));
  }

  public int status() { return status; }

  public String reason() { return reason; }

  public HttpVersion version() { return version; }

  public Headers headers() { return headers; }

  public Body body() { return body; }

  public Response version(HttpVersion version) {
    this.version = version;
    return this;
  }

  public Response body(Body body) {
    this.body = body;
    return this;
  }

  @Override
  public String toString() {
    return version.text() + " " + status;
  }
}
