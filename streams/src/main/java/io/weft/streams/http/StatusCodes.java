package io.weft.streams.http;

/** A status code as the text a head and a metric label carry, made once per code rather than per response. */
public final class StatusCodes {
  private static final String[] TEXT = new String[600];

  static {
    for (int i = 100; i < TEXT.length; i++) {
      TEXT[i] = Integer.toString(i);
    }
  }

  private StatusCodes() {}

  public static String text(int status) {
    return status >= 100 && status < TEXT.length ? TEXT[status] : Integer.toString(status);
  }
}
