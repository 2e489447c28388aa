package io.weft.streams.http;

/** The protocol a message came in; the proxy sends it on in the one its next hop speaks. */
public enum HttpVersion {
  HTTP_1_0("HTTP/1.0"),
  HTTP_1_1("HTTP/1.1"),
  HTTP_2("HTTP/2.0");

  private final String text;

  HttpVersion(String text) {
    this.text = text;
  }

  /** As written on an HTTP/1 start line (and in {@code l5d-orig-proto}). */
  public String text() {
    return text;
  }

  /** The version named by {@code text}, or null. */
  public static HttpVersion of(String text) {
    for (HttpVersion v : values()) {
      if (v.text.equals(text)) {
        return v;
      }
    }
    return null;
  }
}
