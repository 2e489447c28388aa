package io.weft.streams.http2;

import java.util.Arrays;
import java.util.List;

/**
 * A decoded header block's fields in order, reused for every block of a connection. Past the
 * size limit (RFC 9113 §6.5.2's header list size: octets plus 32 per field) it keeps counting but
 * stops keeping fields, so the block is still decoded whole and the stream can be refused.
 */
final class FieldList implements HpackDecoder.Fields {
  private String[] fields = new String[32];
  private int size;
  private long octets;
  private long limit = Long.MAX_VALUE;

  static FieldList of(List<RequestFieldRules.Field> list) {
    FieldList fields = new FieldList();
    list.forEach(f -> fields.field(f.name(), f.value()));
    return fields;
  }

  void reset(long limit) {
    Arrays.fill(fields, 0, size * 2, null);
    size = 0;
    octets = 0;
    this.limit = limit;
  }

  @Override
  public void field(String name, String value) {
    octets += name.length() + value.length() + HpackDecoder.ENTRY_OVERHEAD;
    if (octets > limit) {
      return;
    }
    if (size * 2 == fields.length) {
      fields = Arrays.copyOf(fields, fields.length * 2);
    }
    fields[size * 2] = name;
    fields[size * 2 + 1] = value;
    size++;
  }

  boolean tooLarge() {
    return octets > limit;
  }

  int size() {
    return size;
  }

  String name(int index) {
    return fields[index * 2];
  }

  String value(int index) {
    return fields[index * 2 + 1];
  }
}
