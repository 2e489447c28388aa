package io.weft.streams.http;

import org.apache.pekko.util.ByteString;

/** An HTTP response on its way back through the proxy; like {@link Request}, without hop-by-hop fields. */
public final class Response extends Message {
  private final int status;
  private final String reason;

  /** {@code reason}: the HTTP/1 reason phrase as the server wrote it, or null for the status's own. */
  public Response(int status, String reason, HttpVersion version, Headers headers, Body body) {
    super(version, headers, body);
    this.status = status;
    this.reason = reason;
  }

  /** A response the proxy makes itself, with a plain-text body. */
  public static Response text(int status, String text) {
    Headers headers = new Headers().add("content-type", "text/plain; charset=utf-8");
    return new Response(status, null, HttpVersion.HTTP_1_1, headers, Body.of(ByteString.fromString(text)));
  }

  public int status() { return status; }

  public String reason() { return reason; }

  public Response version(HttpVersion version) {
    setVersion(version);
    return this;
  }

  public Response body(Body body) {
    setBody(body);
    return this;
  }

  public <T> Response put(Class<T> key, T value) {
    putExtension(key, value);
    return this;
  }

  @Override
  public String toString() {
    return version().text() + " " + status;
  }
}
