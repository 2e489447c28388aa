package io.weft.streams.http2;

/**
 * A stream ended by RST_STREAM, from either end. {@link #refused()}: the peer refused it before
 * doing anything with it (REFUSED_STREAM), so it may be sent again.
 */
public final class Http2StreamResetException extends RuntimeException {
  private final int code;

  Http2StreamResetException(int stream, int code) {
    this(stream, code, "reset by the peer");
  }

  Http2StreamResetException(int stream, int code, String why) {
    super("HTTP/2 stream " + stream + " " + why + " (error code " + code + ")", null, false, false);
    this.code = code;
  }

  public int code() {
    return code;
  }

  public boolean refused() {
    return code == Frames.REFUSED_STREAM;
  }
}
