package io.weft.streams.http;

import java.util.IdentityHashMap;
import java.util.Map;

/**
 * What requests and responses share: the version they came in, header fields, a body, and typed
 * facts that layers attach for the layers after them (who the client is, which endpoint was
 * picked, the form a message had on its own connection). Owned by one layer at a time.
 */
public abstract sealed class Message permits Request, Response {
  private HttpVersion version;
  private final Headers headers;
  private Body body;
  private Trailers trailers;
  private Map<Class<?>, Object> extensions;

  Message(HttpVersion version, Headers headers, Body body) {
    this.version = version;
    this.headers = headers;
    this.body = body;
  }

  public HttpVersion version() { return version; }

  public Headers headers() { return headers; }

  public Body body() { return body; }

  /** The fields the body ends with, or null when the message has none. */
  public Trailers trailers() { return trailers; }

  /** Gives the message the fields its body ends with. */
  public void trailers(Trailers trailers) {
    this.trailers = trailers;
  }

  void setVersion(HttpVersion version) {
    this.version = version;
  }

  void setBody(Body body) {
    this.body = body;
  }

  public <T> T get(Class<T> key) {
    return extensions == null ? null : key.cast(extensions.get(key));
  }

  /** Gives {@code other} this message's facts and trailers (for a copy of it). */
  void copyExtensionsTo(Message other) {
    other.trailers = trailers;
    if (extensions != null) {
      other.extensions = new IdentityHashMap<>(extensions);
    }
  }

  void putExtension(Class<?> key, Object value) {
    if (extensions == null) {
      extensions = new IdentityHashMap<>(4);
    }
    extensions.put(key, value);
  }
}
