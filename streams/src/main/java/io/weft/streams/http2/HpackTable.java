package io.weft.streams.http2;

import java.util.HashMap;
import java.util.Map;

/** HPACK's static table (RFC 7541 Appendix A): index 1 to 61, name and value. */
final class HpackTable {
  static final String[] NAMES = {null,
      ":authority", ":method", ":method", ":path", ":path", ":scheme", ":scheme", ":status", ":status", ":status",
      ":status", ":status", ":status", ":status", "accept-charset", "accept-encoding", "accept-language",
      "accept-ranges", "accept", "access-control-allow-origin", "age", "allow", "authorization", "cache-control",
      "content-disposition", "content-encoding", "content-language", "content-length", "content-location",
      "content-range", "content-type", "cookie", "date", "etag", "expect", "expires", "from", "host", "if-match",
      "if-modified-since", "if-none-match", "if-range", "if-unmodified-since", "last-modified", "link", "location",
      "max-forwards", "proxy-authenticate", "proxy-authorization", "range", "referer", "refresh", "retry-after",
      "server", "set-cookie", "strict-transport-security", "transfer-encoding", "user-agent", "vary", "via",
      "www-authenticate"};
  static final String[] VALUES = new String[NAMES.length];
  static final int SIZE = NAMES.length - 1;
  /** The first index of each name. */
  private static final Map<String, Integer> FIRST = new HashMap<>();

  static {
    java.util.Arrays.fill(VALUES, 1, VALUES.length, "");
    String[][] valued = {{"2", "GET"}, {"3", "POST"}, {"4", "/"}, {"5", "/index.html"}, {"6", "http"}, {"7", "https"},
        {"8", "200"}, {"9", "204"}, {"10", "206"}, {"11", "304"}, {"12", "400"}, {"13", "404"}, {"14", "500"},
        {"16", "gzip, deflate"}};
    for (String[] entry : valued) {
      VALUES[Integer.parseInt(entry[0])] = entry[1];
    }
    for (int i = SIZE; i >= 1; i--) {
      FIRST.put(NAMES[i], i);
    }
  }

  private HpackTable() {}

  /** The index of {@code name}'s first entry, or 0. */
  static int nameIndex(String name) {
    Integer index = FIRST.get(name);
    return index == null ? 0 : index;
  }

  /** The index of the entry with {@code name} and {@code value}, given {@code name}'s first index, or 0. */
  static int fieldIndex(int nameIndex, String value) {
    for (int i = nameIndex; i <= SIZE && NAMES[i].equals(NAMES[nameIndex]); i++) {
      if (VALUES[i].equals(value)) {
        return i;
      }
    }
    return 0;
  }
}
