package io.weft.actors.discovery;

import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * A pure function's answers remembered by the identity of the (up to two) objects they were
 * computed from, in a few slots. An entity sends the same object to every stream of a port on its
 * node, so what thousands of streams derive from it is computed once, not once each — also when
 * they ask at the same moment on several threads: the first to claim a slot computes, the others
 * wait for its answer. A slot is replaced, never changed; a miss only costs the computation.
 */
public final class IdentityMemo<V> {
  private record Entry<V>(Object first, Object second, Once<V> value) {
    boolean isFor(Object a, Object b) {
      return first == a && second == b;
    }
  }

  /** A value computed by the first caller; later and concurrent callers get that one. */
  private static final class Once<V> {
    private final Supplier<V> compute;
    private volatile V value;

    Once(Supplier<V> compute) {
      this.compute = compute;
    }

    V get() {
      V known = value;
      if (known == null) {
        synchronized (this) {
          known = value;
          if (known == null) {
            known = compute.get();
            value = known;
          }
        }
      }
      return known;
    }
  }

  private final AtomicReferenceArray<Entry<V>> slots;

  /** {@code slots} bounds how many keys (and so values) it keeps alive. */
  public IdentityMemo(int slots) {
    if (slots < 1) {
      throw new IllegalArgumentException("a memo needs at least one slot, not " + slots);
    }
    this.slots = new AtomicReferenceArray<>(slots);
  }

  /** The value for {@code first} and {@code second} (either may be null), computed once by {@code compute}. */
  public V get(Object first, Object second, Supplier<V> compute) {
    int slot = Math.floorMod(31 * System.identityHashCode(second) + System.identityHashCode(first), slots.length());
    Entry<V> entry = slots.get(slot);
    if (entry != null && entry.isFor(first, second)) {
      return entry.value().get();
    }
    Entry<V> mine = new Entry<>(first, second, new Once<>(compute));
    if (!slots.compareAndSet(slot, entry, mine)) {
      Entry<V> winner = slots.get(slot);
      if (winner != null && winner.isFor(first, second)) {
        return winner.value().get();
      }
    }
    return mine.value().get();
  }
}
