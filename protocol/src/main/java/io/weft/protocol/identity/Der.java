package io.weft.protocol.identity;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/**
 * The few DER encodings (X.690) a proxy writes itself — its certificate signing request — so the
 * proxy does not load a whole ASN.1 library (a signed jar, which the AOT cache cannot hold) to start.
 */
final class Der {
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
    return new byte[] {0x02, 0x01, (byte) value};
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
}
