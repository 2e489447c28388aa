package io.weft.streams.http2;

/**
 * Encodes header blocks with HPACK's static table and literals never added to a dynamic table
 * (RFC 7541 §6.2.2), so the encoder keeps no state and every peer table setting suits it; a value
 * is Huffman-coded when that is shorter. Names must be lowercase already.
 */
final class HpackEncoder {
  private HpackEncoder() {}

  static void field(String name, String value, Octets out) {
    int nameIndex = HpackTable.nameIndex(name);
    if (nameIndex != 0) {
      int index = HpackTable.fieldIndex(nameIndex, value);
      if (index != 0) {
        integer(index, 7, 0x80, out);
        return;
      }
      integer(nameIndex, 4, 0x00, out);
    } else {
      out.write(0x00);
      string(name, out);
    }
    string(value, out);
  }

  private static void string(String text, Octets out) {
    int huffman = Huffman.encodedLength(text);
    if (huffman < text.length()) {
      integer(huffman, 7, 0x80, out);
      Huffman.encode(text, out);
    } else {
      integer(text.length(), 7, 0x00, out);
      out.writeLatin1(text);
    }
  }

  private static void integer(int value, int prefixBits, int flags, Octets out) {
    int mask = (1 << prefixBits) - 1;
    if (value < mask) {
      out.write(flags | value);
      return;
    }
    out.write(flags | mask);
    value -= mask;
    while (value >= 0x80) {
      out.write((value & 0x7f) | 0x80);
      value >>>= 7;
    }
    out.write(value);
  }
}
