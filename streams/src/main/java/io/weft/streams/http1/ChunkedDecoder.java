package io.weft.streams.http1;

import org.apache.pekko.util.ByteString;

/**
 * Decodes a chunked body (RFC 9112 §7.1) as its bytes arrive: chunk sizes in hex (extensions
 * skipped), each chunk's data and its CRLF, the last chunk and any trailer fields (read, checked
 * and dropped). A size that is not hex or overflows, data not followed by CRLF, or trailers or
 * size lines beyond the head limit are refused.
 */
public final class ChunkedDecoder {
  private enum State { SIZE, DATA, DATA_END, TRAILER, DONE }

  private static final int MAX_SIZE_DIGITS = 15;

  private final int maxLineBytes;
  private final int malformed;
  private State state = State.SIZE;
  private long remaining;
  private int trailerBytes;
  private ByteString data = ByteString.emptyByteString();

  /** {@code malformed}: the status to refuse a bad body with (400 from a client, 502 from a server). */
  public ChunkedDecoder(int maxLineBytes, int malformed) {
    this.maxLineBytes = maxLineBytes;
    this.malformed = malformed;
  }

  public boolean done() {
    return state == State.DONE;
  }

  /** The data the last {@link #decode} produced (possibly empty). */
  public ByteString data() {
    return data;
  }

  /**
   * Reads what it can from the start of {@code input}: returns how many bytes it consumed (0 when
   * it needs more), leaving any data they carried in {@link #data()}.
   */
  public int decode(ByteString input) {
    data = ByteString.emptyByteString();
    switch (state) {
      case SIZE -> {
        int lf = input.indexOf((byte) '\n', 0);
        if (lf < 0) {
          checkLine(input.size());
          return 0;
        }
        checkLine(lf);
        remaining = size(input, lf);
        state = remaining == 0 ? State.TRAILER : State.DATA;
        return lf + 1;
      }
      case DATA -> {
        int n = (int) Math.min(remaining, input.size());
        data = input.take(n);
        remaining -= n;
        if (remaining == 0) {
          state = State.DATA_END;
        }
        return n;
      }
      case DATA_END -> {
        if (input.size() < 2) {
          if (input.nonEmpty() && input.apply(0) != '\r') {
            throw new MalformedHttpException(malformed, "chunk data not followed by CRLF");
          }
          return 0;
        }
        if (input.apply(0) != '\r' || input.apply(1) != '\n') {
          throw new MalformedHttpException(malformed, "chunk data not followed by CRLF");
        }
        state = State.SIZE;
        return 2;
      }
      case TRAILER -> {
        int lf = input.indexOf((byte) '\n', 0);
        if (lf < 0) {
          checkTrailers(input.size());
          return 0;
        }
        int contentEnd = lf > 0 && input.apply(lf - 1) == '\r' ? lf - 1 : lf;
        if (contentEnd == 0) {
          state = State.DONE;
          return lf + 1;
        }
        checkTrailers(lf + 1);
        trailer(input, contentEnd);
        return lf + 1;
      }
      default -> {
        return 0;
      }
    }
  }

  private void checkLine(int bytes) {
    if (bytes > maxLineBytes) {
      throw new MalformedHttpException(malformed, "chunk size line longer than " + maxLineBytes + " bytes");
    }
  }

  private void checkTrailers(int more) {
    trailerBytes += more;
    if (trailerBytes > maxLineBytes) {
      throw new MalformedHttpException(malformed, "trailer fields longer than " + maxLineBytes + " bytes");
    }
  }

  private long size(ByteString input, int lf) {
    long size = 0;
    int digits = 0;
    int i = 0;
    for (; i < lf; i++) {
      int b = input.apply(i);
      int v = Character.digit(b, 16);
      if (v < 0) {
        break;
      }
      if (++digits > MAX_SIZE_DIGITS) {
        throw new MalformedHttpException(malformed, "chunk size too large");
      }
      size = size * 16 + v;
    }
    if (digits == 0) {
      throw new MalformedHttpException(malformed, "malformed chunk size");
    }
    int end = input.apply(lf - 1) == '\r' ? lf - 1 : lf;
    // After the digits: optional whitespace and extensions (";name=value"), which are skipped.
    for (; i < end; i++) {
      int b = input.apply(i) & 0xff;
      if (b == ';') {
        break;
      }
      if (b != ' ' && b != '\t') {
        throw new MalformedHttpException(malformed, "malformed chunk size");
      }
    }
    for (; i < end; i++) {
      int b = input.apply(i) & 0xff;
      if ((b < 0x20 && b != '\t') || b == 0x7f) {
        throw new MalformedHttpException(malformed, "invalid character in a chunk extension");
      }
    }
    return size;
  }

  private void trailer(ByteString input, int end) {
    byte first = input.apply(0);
    if (first == ' ' || first == '\t') {
      throw new MalformedHttpException(malformed, "obsolete line folding in a trailer field");
    }
    boolean colon = false;
    for (int i = 0; i < end; i++) {
      int b = input.apply(i) & 0xff;
      if ((b < 0x20 && b != '\t') || b == 0x7f) {
        throw new MalformedHttpException(malformed, "invalid character in a trailer field");
      }
      colon |= b == ':';
    }
    if (!colon) {
      throw new MalformedHttpException(malformed, "trailer field without a colon");
    }
  }
}
