package io.weft.streams.http;

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
