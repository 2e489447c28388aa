package io.weft.streams.http1;

/**
 * Bounds on what a peer may make the codec hold: a head's bytes (request line or status line and
 * every field) and its number of fields; chunk-size lines and trailers count against the head's
 * bound too.
 */
public record Http1Limits(int maxHeadBytes, int maxHeaders) {
  public Http1Limits {
    if (maxHeadBytes < 64 || maxHeaders < 1) {
      throw new IllegalArgumentException("HTTP/1 limits too small to carry a request: " + maxHeadBytes + " bytes, "
          + maxHeaders + " fields");
    }
  }
}
