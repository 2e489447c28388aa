package io.weft.streams.http2;

import org.apache.pekko.util.ByteString;

import java.util.Arrays;

/** A growable run of bytes that one connection reuses for every header block it encodes. */
final class Octets {
  private static final int INITIAL = 256;
  private byte[] bytes = new byte[INITIAL];
  private int size;

  void write(int b) {
    ensure(1);
    bytes[size++] = (byte) b;
  }

  void write(byte[] source, int offset, int length) {
    ensure(length);
    System.arraycopy(source, offset, bytes, size, length);
    size += length;
  }

  void write(ByteString source) {
    ensure(source.size());
    source.copyToBuffer(java.nio.ByteBuffer.wrap(bytes, size, source.size()));
    size += source.size();
  }

  /** {@code text}'s characters as octets (Latin-1: field names and values are octets). */
  void writeLatin1(String text) {
    ensure(text.length());
    for (int i = 0; i < text.length(); i++) {
      bytes[size++] = (byte) text.charAt(i);
    }
  }

  int size() {
    return size;
  }

  byte[] array() {
    return bytes;
  }

  /** A copy of what was written, as a ByteString; empties this for the next block. */
  ByteString take() {
    ByteString taken = ByteString.fromArray(bytes, 0, size);
    size = 0;
    return taken;
  }

  void reset() {
    size = 0;
  }

  private void ensure(int more) {
    if (size + more > bytes.length) {
      bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + more));
    }
  }
}
