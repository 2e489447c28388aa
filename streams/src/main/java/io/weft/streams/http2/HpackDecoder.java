package io.weft.streams.http2;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * Decodes HPACK header blocks (RFC 7541) for one connection, keeping its dynamic table. A block
 * must be decoded whole even when its stream is refused, or the two ends' tables drift apart.
 */
final class HpackDecoder {
  /** Receives a block's fields in order. */
  interface Fields {
    void field(String name, String value);
  }

  /** Why a block cannot be decoded: a connection error (COMPRESSION_ERROR). */
  static final class HpackException extends Exception {
    HpackException(String message) {
      super(message, null, false, false);
    }
  }

  /** RFC 7541 §4.1: each entry costs its octets plus this. */
  static final int ENTRY_OVERHEAD = 32;
  /** Integers past this are no header block's (and would overflow). */
  private static final int MAX_INTEGER = 1 << 28;
  /** How many Huffman-coded strings are remembered with their text. */
  private static final int RECENT = 8;

  /** The most the peer may make its table: the SETTINGS_HEADER_TABLE_SIZE this end announced. */
  private final int maxTableSize;
  private int tableSize;
  private int capacity;
  // The dynamic table as a ring: the newest entry at head - 1.
  private String[] names = new String[16];
  private String[] values = new String[16];
  private int head;
  private int count;

  private byte[] block;
  private int position;
  private int end;
  /**
   * The last Huffman-coded strings and their text, a ring: a peer that writes a field out again
   * and again (a client that never indexes :path, a date within its second) costs a comparison of
   * its octets, not a decoding and a new string each time.
   */
  private final byte[][] recentCodes = new byte[RECENT][];
  private final String[] recentTexts = new String[RECENT];
  private int nextRecent;

  HpackDecoder(int maxTableSize) {
    this.maxTableSize = maxTableSize;
    this.capacity = maxTableSize;
  }

  void decode(byte[] source, int offset, int length, Fields into) throws HpackException {
    block = source;
    position = offset;
    end = offset + length;
    boolean fieldSeen = false;
    while (position < end) {
      int first = block[position] & 0xff;
      if ((first & 0x80) != 0) {
        int index = integer(7);
        into.field(name(index), value(index));
        fieldSeen = true;
      } else if ((first & 0x40) != 0) {
        int index = integer(6);
        String name = index == 0 ? string() : name(index);
        String value = string();
        add(name, value);
        into.field(name, value);
        fieldSeen = true;
      } else if ((first & 0x20) != 0) {
        if (fieldSeen) {
          throw new HpackException("a dynamic table size update after a field");
        }
        int size = integer(5);
        if (size > maxTableSize) {
          throw new HpackException("a dynamic table size of " + size + " (at most " + maxTableSize + ")");
        }
        capacity = size;
        evict(0);
      } else {
        int index = integer(4);
        String name = index == 0 ? string() : name(index);
        into.field(name, string());
        fieldSeen = true;
      }
    }
    block = null;
  }

  private int integer(int prefixBits) throws HpackException {
    int mask = (1 << prefixBits) - 1;
    int value = block[position++] & mask;
    if (value < mask) {
      return value;
    }
    int shift = 0;
    while (true) {
      if (position >= end) {
        throw new HpackException("an integer cut short");
      }
      int b = block[position++] & 0xff;
      value += (b & 0x7f) << shift;
      shift += 7;
      if (value > MAX_INTEGER || shift > 28) {
        throw new HpackException("an integer too large");
      }
      if ((b & 0x80) == 0) {
        return value;
      }
    }
  }

  private String string() throws HpackException {
    if (position >= end) {
      throw new HpackException("a string missing");
    }
    boolean huffman = (block[position] & 0x80) != 0;
    int length = integer(7);
    if (length > end - position) {
      throw new HpackException("a string longer than its block");
    }
    String text;
    if (huffman) {
      text = decoded(length);
    } else {
      text = new String(block, position, length, StandardCharsets.ISO_8859_1);
    }
    position += length;
    return text;
  }

  /** The text of the Huffman-coded {@code length} octets at the position. */
  private String decoded(int length) throws HpackException {
    for (int i = 0; i < RECENT; i++) {
      byte[] code = recentCodes[i];
      if (code != null && code.length == length && Arrays.equals(code, 0, length, block, position, position + length)) {
        return recentTexts[i];
      }
    }
    String text = Huffman.decode(block, position, length);
    if (text == null) {
      throw new HpackException("a string whose Huffman coding is invalid");
    }
    recentCodes[nextRecent] = Arrays.copyOfRange(block, position, position + length);
    recentTexts[nextRecent] = text;
    nextRecent = (nextRecent + 1) % RECENT;
    return text;
  }

  private String name(int index) throws HpackException {
    return index <= HpackTable.SIZE ? HpackTable.NAMES[checked(index)] : names[slot(index)];
  }

  private String value(int index) throws HpackException {
    return index <= HpackTable.SIZE ? HpackTable.VALUES[checked(index)] : values[slot(index)];
  }

  private static int checked(int index) throws HpackException {
    if (index == 0) {
      throw new HpackException("index 0");
    }
    return index;
  }

  private int slot(int index) throws HpackException {
    int age = index - HpackTable.SIZE - 1;
    if (age >= count) {
      throw new HpackException("index " + index + " beyond the table (" + (HpackTable.SIZE + count) + " entries)");
    }
    return Math.floorMod(head - 1 - age, names.length);
  }

  private void add(String name, String value) {
    int size = ENTRY_OVERHEAD + name.length() + value.length();
    if (size > capacity) {
      // §4.4: an entry larger than the table empties it and is not added.
      evict(capacity);
      return;
    }
    evict(capacity - size);
    if (count == names.length) {
      grow();
    }
    names[head] = name;
    values[head] = value;
    head = (head + 1) % names.length;
    count++;
    tableSize += size;
  }

  /** Drops the oldest entries until the table holds at most {@code room} octets. */
  private void evict(int room) {
    while (tableSize > room && count > 0) {
      int oldest = Math.floorMod(head - count, names.length);
      tableSize -= ENTRY_OVERHEAD + names[oldest].length() + values[oldest].length();
      names[oldest] = null;
      values[oldest] = null;
      count--;
    }
  }

  private void grow() {
    String[] newNames = new String[names.length * 2];
    String[] newValues = new String[names.length * 2];
    for (int age = count - 1, i = 0; age >= 0; age--, i++) {
      int from = Math.floorMod(head - 1 - age, names.length);
      newNames[i] = names[from];
      newValues[i] = values[from];
    }
    head = count;
    names = newNames;
    values = newValues;
  }
}
