package io.weft.protocol.identity;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few DER encodings (X.690) Weft writes and reads itself — certificate signing requests — so a
 * proxy does not load a whole ASN.1 library (a signed jar, which the AOT cache cannot hold) to start.
 */
final class Der {
  static final int INTEGER = 0x02;
  static final int BOOLEAN = 0x01;
  static final int BIT_STRING = 0x03;
  static final int OCTET_STRING = 0x04;
  static final int OID = 0x06;
  static final int UTF8_STRING = 0x0c;
  static final int SEQUENCE = 0x30;
  static final int SET = 0x31;
  /** GeneralName's dNSName: [2] IMPLICIT IA5String. */
  static final int DNS_NAME = 0x82;
  /** A request's attributes: [0] IMPLICIT SET OF. */
  static final int ATTRIBUTES = 0xa0;

  private Der() {}

  /** One element: {@code tag}, its length, {@code content}. */
  static byte[] element(int tag, byte[]... content) {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    for (byte[] part : content) {
      body.writeBytes(part);
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    out.write(tag);
    int length = body.size();
    if (length < 0x80) {
      out.write(length);
    } else {
      int bytes = (Integer.SIZE - Integer.numberOfLeadingZeros(length) + 7) / 8;
      out.write(0x80 | bytes);
      for (int i = bytes - 1; i >= 0; i--) {
        out.write(length >>> (8 * i));
      }
    }
    out.writeBytes(body.toByteArray());
    return out.toByteArray();
  }

  static byte[] sequence(byte[]... content) {
    return element(SEQUENCE, content);
  }

  static byte[] set(byte[]... content) {
    return element(SET, content);
  }

  static byte[] integer(int value) {
    if (value < 0 || value > 0x7f) {
      throw new IllegalArgumentException("only small non-negative integers are written: " + value);
    }
    return new byte[] {INTEGER, 0x01, (byte) value};
  }

  static byte[] utf8(String text) {
    return element(UTF8_STRING, text.getBytes(StandardCharsets.UTF_8));
  }

  static byte[] trueBoolean() {
    return new byte[] {BOOLEAN, 0x01, (byte) 0xff};
  }

  /** A BIT STRING of whole bytes. */
  static byte[] bits(byte[] bytes) {
    return element(BIT_STRING, new byte[] {0}, bytes);
  }

  /** An object identifier from its dotted form. */
  static byte[] oid(String dotted) {
    String[] arcs = dotted.split("\\.");
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    base128(body, Long.parseLong(arcs[0]) * 40 + Long.parseLong(arcs[1]));
    for (int i = 2; i < arcs.length; i++) {
      base128(body, Long.parseLong(arcs[i]));
    }
    return element(OID, body.toByteArray());
  }

  private static void base128(ByteArrayOutputStream out, long value) {
    int groups = Math.max(1, (Long.SIZE - Long.numberOfLeadingZeros(value) + 6) / 7);
    for (int i = groups - 1; i >= 0; i--) {
      int group = (int) (value >>> (7 * i)) & 0x7f;
      out.write(i == 0 ? group : group | 0x80);
    }
  }

  /** Reads DER elements in order from a range of bytes; anything malformed is an {@link IllegalArgumentException}. */
  static final class Reader {
    private final byte[] bytes;
    private final int end;
    private int at;
    private int contentStart;
    private int contentEnd;

    Reader(byte[] bytes) {
      this(bytes, 0, bytes.length);
    }

    private Reader(byte[] bytes, int from, int end) {
      this.bytes = bytes;
      this.at = from;
      this.end = end;
    }

    boolean atEnd() {
      return at >= end;
    }

    /** The next element's tag, or -1 at the end. */
    int peek() {
      return atEnd() ? -1 : bytes[at] & 0xff;
    }

    /** The next element (which must have {@code tag}), whole: tag, length and content. */
    byte[] read(int tag) {
      int start = at;
      next(tag);
      return java.util.Arrays.copyOfRange(bytes, start, contentEnd);
    }

    /** A reader over the content of the next element, which must have {@code tag}. */
    Reader enter(int tag) {
      next(tag);
      return new Reader(bytes, contentStart, contentEnd);
    }

    /** Moves past the next element, whatever it is. */
    void skip() {
      next(peek());
    }

    /** What is left of this reader's range. */
    byte[] rest() {
      byte[] rest = java.util.Arrays.copyOfRange(bytes, at, end);
      at = end;
      return rest;
    }

    private void next(int tag) {
      if (atEnd()) {
        throw new IllegalArgumentException("ends where an element (tag 0x" + Integer.toHexString(tag) + ") was expected");
      }
      if ((bytes[at] & 0xff) != tag) {
        throw new IllegalArgumentException("tag 0x" + Integer.toHexString(bytes[at] & 0xff) + " where 0x"
            + Integer.toHexString(tag) + " was expected");
      }
      int position = at + 1;
      if (position >= end) {
        throw new IllegalArgumentException("an element is cut before its length");
      }
      int first = bytes[position++] & 0xff;
      long length = first;
      if (first >= 0x80) {
        int count = first & 0x7f;
        if (count == 0 || count > Integer.BYTES || position + count > end) {
          throw new IllegalArgumentException("an element has a length DER does not allow");
        }
        length = 0;
        for (int i = 0; i < count; i++) {
          length = (length << 8) | (bytes[position++] & 0xff);
        }
      }
      if (position + length > end) {
        throw new IllegalArgumentException("an element is longer than what holds it");
      }
      contentStart = position;
      contentEnd = (int) (position + length);
      at = contentEnd;
    }
  }
}
