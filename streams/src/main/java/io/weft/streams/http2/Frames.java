package io.weft.streams.http2;

import org.apache.pekko.util.ByteString;
import org.apache.pekko.util.ByteStringBuilder;

import java.nio.charset.StandardCharsets;

/** HTTP/2's frame layout (RFC 9113 §4, §6): types, flags, error codes, settings, and writing frames. */
final class Frames {
  static final ByteString PREFACE = ByteString.fromString("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", StandardCharsets.US_ASCII);
  static final int HEADER_LENGTH = 9;

  static final int DATA = 0x0;
  static final int HEADERS = 0x1;
  static final int PRIORITY = 0x2;
  static final int RST_STREAM = 0x3;
  static final int SETTINGS = 0x4;
  static final int PUSH_PROMISE = 0x5;
  static final int PING = 0x6;
  static final int GOAWAY = 0x7;
  static final int WINDOW_UPDATE = 0x8;
  static final int CONTINUATION = 0x9;

  static final int END_STREAM = 0x1;
  static final int ACK = 0x1;
  static final int END_HEADERS = 0x4;
  static final int PADDED = 0x8;
  static final int PRIORITY_FLAG = 0x20;

  static final int NO_ERROR = 0x0;
  static final int PROTOCOL_ERROR = 0x1;
  static final int INTERNAL_ERROR = 0x2;
  static final int FLOW_CONTROL_ERROR = 0x3;
  static final int STREAM_CLOSED = 0x5;
  static final int FRAME_SIZE_ERROR = 0x6;
  static final int REFUSED_STREAM = 0x7;
  static final int CANCEL = 0x8;
  static final int COMPRESSION_ERROR = 0x9;
  static final int ENHANCE_YOUR_CALM = 0xb;

  static final int SETTINGS_HEADER_TABLE_SIZE = 0x1;
  static final int SETTINGS_ENABLE_PUSH = 0x2;
  static final int SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
  static final int SETTINGS_INITIAL_WINDOW_SIZE = 0x4;
  static final int SETTINGS_MAX_FRAME_SIZE = 0x5;
  static final int SETTINGS_MAX_HEADER_LIST_SIZE = 0x6;

  /** The window every stream and the connection start with, and the frame size every peer accepts. */
  static final int DEFAULT_WINDOW = 65_535;
  static final int DEFAULT_MAX_FRAME = 16_384;
  static final int MAX_FRAME_LIMIT = 16_777_215;
  static final int MAX_WINDOW = Integer.MAX_VALUE;
  static final int PING_LENGTH = 8;

  private Frames() {}

  static void header(ByteStringBuilder out, int length, int type, int flags, int stream) {
    out.putByte((byte) (length >>> 16));
    out.putByte((byte) (length >>> 8));
    out.putByte((byte) length);
    out.putByte((byte) type);
    out.putByte((byte) flags);
    putInt(out, stream);
  }

  static void putInt(ByteStringBuilder out, int value) {
    out.putByte((byte) (value >>> 24));
    out.putByte((byte) (value >>> 16));
    out.putByte((byte) (value >>> 8));
    out.putByte((byte) value);
  }

  static void settings(ByteStringBuilder out, int[] idsAndValues) {
    header(out, idsAndValues.length / 2 * 6, SETTINGS, 0, 0);
    for (int i = 0; i < idsAndValues.length; i += 2) {
      out.putByte((byte) (idsAndValues[i] >>> 8));
      out.putByte((byte) idsAndValues[i]);
      putInt(out, idsAndValues[i + 1]);
    }
  }

  static void settingsAck(ByteStringBuilder out) {
    header(out, 0, SETTINGS, ACK, 0);
  }

  static void ping(ByteStringBuilder out, int flags, long payload) {
    header(out, PING_LENGTH, PING, flags, 0);
    putInt(out, (int) (payload >>> 32));
    putInt(out, (int) payload);
  }

  static void windowUpdate(ByteStringBuilder out, int stream, int increment) {
    header(out, 4, WINDOW_UPDATE, 0, stream);
    putInt(out, increment);
  }

  static void rstStream(ByteStringBuilder out, int stream, int code) {
    header(out, 4, RST_STREAM, 0, stream);
    putInt(out, code);
  }

  static void goaway(ByteStringBuilder out, int lastStream, int code, String debug) {
    byte[] text = debug.getBytes(StandardCharsets.UTF_8);
    header(out, 8 + text.length, GOAWAY, 0, 0);
    putInt(out, lastStream);
    putInt(out, code);
    out.putBytes(text);
  }

  static void data(ByteStringBuilder out, int stream, ByteString payload, boolean endStream) {
    header(out, payload.size(), DATA, endStream ? END_STREAM : 0, stream);
    out.append(payload);
  }

  /** A header block as HEADERS then as many CONTINUATION frames as {@code maxFrame} makes it take. */
  static void headers(ByteStringBuilder out, int stream, Octets block, boolean endStream, int maxFrame) {
    int length = block.size();
    int first = Math.min(length, maxFrame);
    header(out, first, HEADERS, (endStream ? END_STREAM : 0) | (first == length ? END_HEADERS : 0), stream);
    out.putBytes(block.array(), 0, first);
    for (int at = first; at < length; ) {
      int part = Math.min(length - at, maxFrame);
      header(out, part, CONTINUATION, at + part == length ? END_HEADERS : 0, stream);
      out.putBytes(block.array(), at, part);
      at += part;
    }
    block.reset();
  }
}
