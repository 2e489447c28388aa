package io.weft.streams.http1;

/**
 * How an HTTP/1 message's body is delimited (RFC 9112 §6): not at all, by a length, by chunks, by
 * the connection's end, or — after a successful upgrade — not a message body but a tunnel.
 */
public record Framing(Kind kind, long length) {
  public enum Kind { NONE, LENGTH, CHUNKED, UNTIL_CLOSE, TUNNEL }

  public static final Framing NONE = new Framing(Kind.NONE, 0);
  public static final Framing CHUNKED = new Framing(Kind.CHUNKED, -1);
  public static final Framing UNTIL_CLOSE = new Framing(Kind.UNTIL_CLOSE, -1);
  public static final Framing TUNNEL = new Framing(Kind.TUNNEL, -1);

  public static Framing length(long length) {
    return length == 0 ? NONE : new Framing(Kind.LENGTH, length);
  }
}
