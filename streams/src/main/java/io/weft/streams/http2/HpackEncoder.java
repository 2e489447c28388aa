package io.weft.streams.http2;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Encodes one connection's header blocks (RFC 7541): a field in HPACK's static table or already in
 * this connection's dynamic table is one index; any other is written out — Huffman-coded when
 * that is shorter — and added to the dynamic table, so a field a connection repeats (gRPC's
 * content-type and te, a user-agent, an authority) costs one byte from its second message on.
 * Fields whose values often change (a path, a length, a date, an ETag) are added only once a value
 * repeats — gRPC's methods, an API's hot paths, a static answer's length and validators, a date
 * within its second — so values seen once never push out the fields that repeat; credentials are
 * marked never to be indexed by any hop. Names must be lowercase already.
 */
final class HpackEncoder {
  /** The table this end uses at most (HTTP/2's default; a peer may allow less). */
  static final int DEFAULT_TABLE_SIZE = 4096;
  private static final Set<String> ADDED_ONCE_REPEATED = Set.of(":path", "content-length", "date", "etag", "last-modified",
      "if-modified-since", "if-none-match", "location", "grpc-timeout", "age", "expires", "x-request-id", "traceparent");
  private static final Set<String> NEVER_INDEXED = Set.of("authorization", "proxy-authorization", "cookie", "set-cookie");
  /** How many of the last such fields written are remembered, for one to be added once it repeats. */
  private static final int RECENT = 16;

  /** A dynamic table entry: {@code number} counts every entry ever added, so its index follows from it. */
  private record Entry(String name, String value, long number) {
    int size() {
      return HpackDecoder.ENTRY_OVERHEAD + name.length() + value.length();
    }
  }

  private final ArrayDeque<Entry> entries = new ArrayDeque<>();
  /** The last fields of {@link #ADDED_ONCE_REPEATED} written out, a ring. */
  private final String[] recentNames = new String[RECENT];
  private final String[] recentValues = new String[RECENT];
  private int nextRecent;
  private final Map<String, List<Entry>> byName = new HashMap<>();
  private long added;
  private int size;
  private int capacity = DEFAULT_TABLE_SIZE;
  /** The smallest capacity since the last block, to be told at the next block's start (-1: no change). */
  private int smallestSinceBlock = -1;

  /** The peer's SETTINGS_HEADER_TABLE_SIZE: this end's table never grows past it. */
  void peerTableSize(long maximum) {
    int next = (int) Math.min(maximum, DEFAULT_TABLE_SIZE);
    if (next != capacity) {
      capacity = next;
      smallestSinceBlock = smallestSinceBlock < 0 ? next : Math.min(smallestSinceBlock, next);
      evict(capacity);
    }
  }

  /** Begins a header block: a change of table size is told first (§4.2). */
  void startBlock(Octets out) {
    if (smallestSinceBlock >= 0) {
      if (smallestSinceBlock < capacity) {
        integer(smallestSinceBlock, 5, 0x20, out);
      }
      integer(capacity, 5, 0x20, out);
      smallestSinceBlock = -1;
    }
  }

  void field(String name, String value, Octets out) {
    int staticName = HpackTable.nameIndex(name);
    if (staticName != 0) {
      int index = HpackTable.fieldIndex(staticName, value);
      if (index != 0) {
        integer(index, 7, 0x80, out);
        return;
      }
    }
    List<Entry> same = byName.get(name);
    if (same != null) {
      for (int i = same.size() - 1; i >= 0; i--) {
        if (same.get(i).value().equals(value)) {
          integer(index(same.get(i)), 7, 0x80, out);
          return;
        }
      }
    }
    int nameIndex = staticName != 0 ? staticName : same != null && !same.isEmpty() ? index(same.getLast()) : 0;
    boolean add = !NEVER_INDEXED.contains(name) && HpackDecoder.ENTRY_OVERHEAD + name.length() + value.length() <= capacity
        && (!ADDED_ONCE_REPEATED.contains(name) || repeated(name, value));
    if (add) {
      integer(nameIndex, 6, 0x40, out);
    } else {
      integer(nameIndex, 4, NEVER_INDEXED.contains(name) ? 0x10 : 0x00, out);
    }
    if (nameIndex == 0) {
      string(name, out);
    }
    string(value, out);
    if (add) {
      add(name, value);
    }
  }

  /** Whether the field is one of the last such fields written out (and remembers it when it is not). */
  private boolean repeated(String name, String value) {
    for (int i = 0; i < RECENT; i++) {
      if (value.equals(recentValues[i]) && name.equals(recentNames[i])) {
        return true;
      }
    }
    recentNames[nextRecent] = name;
    recentValues[nextRecent] = value;
    nextRecent = (nextRecent + 1) % RECENT;
    return false;
  }

  private int index(Entry entry) {
    return HpackTable.SIZE + (int) (added - entry.number());
  }

  private void add(String name, String value) {
    Entry entry = new Entry(name, value, added++);
    evict(capacity - entry.size());
    entries.addLast(entry);
    byName.computeIfAbsent(name, n -> new ArrayList<>(2)).add(entry);
    size += entry.size();
  }

  /** Drops the oldest entries until the table holds at most {@code room} octets. */
  private void evict(int room) {
    while (size > room && !entries.isEmpty()) {
      Entry oldest = entries.removeFirst();
      size -= oldest.size();
      List<Entry> same = byName.get(oldest.name());
      same.removeFirst();
      if (same.isEmpty()) {
        byName.remove(oldest.name());
      }
    }
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
