package io.weft.streams.http;

import java.util.Arrays;
import java.util.function.BiConsumer;

/**
 * A message's header fields in the order they came, names as written and compared without case.
 * Owned by the one request or response it belongs to, which one layer at a time handles, so it is
 * changed in place rather than copied on every edit.
 */
public final class Headers {
  private static final int INITIAL_FIELDS = 8;

  /** Name, value, name, value, ... */
  private String[] fields;
  private int size;

  public Headers() {
    fields = new String[INITIAL_FIELDS * 2];
  }

  /** Another set of the same fields, for a message sent again (each attempt owns its own). */
  public Headers copy() {
    Headers copy = new Headers();
    copy.fields = Arrays.copyOf(fields, fields.length);
    copy.size = size;
    return copy;
  }

  public int size() {
    return size;
  }

  public String name(int index) {
    return fields[index * 2];
  }

  public String value(int index) {
    return fields[index * 2 + 1];
  }

  /** The first value of {@code name}, or null. */
  public String get(String name) {
    for (int i = 0; i < size; i++) {
      if (fields[i * 2].equalsIgnoreCase(name)) {
        return fields[i * 2 + 1];
      }
    }
    return null;
  }

  public boolean contains(String name) {
    return get(name) != null;
  }

  public Headers add(String name, String value) {
    if ((size + 1) * 2 > fields.length) {
      fields = Arrays.copyOf(fields, fields.length * 2);
    }
    fields[size * 2] = name;
    fields[size * 2 + 1] = value;
    size++;
    return this;
  }

  /** Removes every field called {@code name}; true if there was one. */
  public boolean remove(String name) {
    int kept = 0;
    for (int i = 0; i < size; i++) {
      if (!fields[i * 2].equalsIgnoreCase(name)) {
        fields[kept * 2] = fields[i * 2];
        fields[kept * 2 + 1] = fields[i * 2 + 1];
        kept++;
      }
    }
    boolean removed = kept != size;
    Arrays.fill(fields, kept * 2, size * 2, null);
    size = kept;
    return removed;
  }

  public void forEach(BiConsumer<String, String> field) {
    for (int i = 0; i < size; i++) {
      field.accept(fields[i * 2], fields[i * 2 + 1]);
    }
  }

  @Override
  public String toString() {
    StringBuilder text = new StringBuilder();
    forEach((n, v) -> text.append(n).append(": ").append(v).append('\n'));
    return text.toString();
  }
}
