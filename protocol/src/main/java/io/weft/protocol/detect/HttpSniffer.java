package io.weft.protocol.detect;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * Decides from the first bytes of a connection whether it speaks HTTP/2 (prior knowledge: the
 * client preface), HTTP/1.x (a well-formed request line), or something else. Unlike a single
 * fixed-size read, it can say {@link Result#NEED_MORE} when the bytes seen so far are a strict
 * prefix of something HTTP, so a preface split across TCP segments is not mistaken for opaque.
 */
public final class HttpSniffer {
  public enum Result { HTTP2, HTTP1, NOT_HTTP, NEED_MORE }

  /** The start of the HTTP/2 connection preface, as Linkerd checks it. */
  private static final byte[] H2_PREFACE = "PRI * HTTP/2.0".getBytes(StandardCharsets.US_ASCII);
  /** A request line longer than this is not worth waiting for (Linkerd reads at most 1 KiB). */
  public static final int MAX_REQUEST_LINE = 1024;

  private HttpSniffer() {}

  /** Looks at the readable bytes of {@code in} without consuming them. */
  public static Result detect(ByteBuffer in) {
    int n = in.remaining();
    int p = in.position();
    if (n == 0) {
      return Result.NEED_MORE;
    }
    int prefix = Math.min(n, H2_PREFACE.length);
    boolean h2 = true;
    for (int i = 0; i < prefix; i++) {
      if (in.get(p + i) != H2_PREFACE[i]) {
        h2 = false;
        break;
      }
    }
    if (h2) {
      return n >= H2_PREFACE.length ? Result.HTTP2 : Result.NEED_MORE;
    }
    return requestLine(in);
  }

  /** {@code method SP request-target SP HTTP/1.x CRLF}, with token characters in the method. */
  private static Result requestLine(ByteBuffer in) {
    int p = in.position();
    int end = p + Math.min(in.remaining(), MAX_REQUEST_LINE);
    int i = p;
    while (i < end && isTokenChar(in.get(i))) {
      i++;
    }
    if (i == end) {
      return i - p < MAX_REQUEST_LINE ? Result.NEED_MORE : Result.NOT_HTTP;
    }
    if (i == p || in.get(i) != ' ') {
      return Result.NOT_HTTP;
    }
    i++;
    int targetStart = i;
    while (i < end && in.get(i) > ' ' && in.get(i) < 0x7f) {
      i++;
    }
    if (i == end) {
      return end - p < MAX_REQUEST_LINE ? Result.NEED_MORE : Result.NOT_HTTP;
    }
    if (i == targetStart || in.get(i) != ' ') {
      return Result.NOT_HTTP;
    }
    i++;
    byte[] version = {'H', 'T', 'T', 'P', '/', '1', '.'};
    for (byte b : version) {
      if (i == end) {
        return Result.NEED_MORE;
      }
      if (in.get(i++) != b) {
        return Result.NOT_HTTP;
      }
    }
    if (i == end) {
      return Result.NEED_MORE;
    }
    byte minor = in.get(i++);
    if (minor != '0' && minor != '1') {
      return Result.NOT_HTTP;
    }
    if (i == end) {
      return Result.NEED_MORE;
    }
    if (in.get(i) == '\n') {
      return Result.HTTP1; // a bare LF, which lenient servers accept
    }
    if (in.get(i++) != '\r') {
      return Result.NOT_HTTP;
    }
    if (i == end) {
      return Result.NEED_MORE;
    }
    return in.get(i) == '\n' ? Result.HTTP1 : Result.NOT_HTTP;
  }

  private static boolean isTokenChar(byte b) {
    if (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9') {
      return true;
    }
    return "!#$%&'*+-.^_`|~".indexOf(b) >= 0;
  }
}
