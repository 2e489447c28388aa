package io.weft.actors.discovery;

import io.linkerd.proxy.destination.Update;

import java.util.List;
import java.util.concurrent.atomic.AtomicReferenceArray;
import java.util.function.Supplier;

/**
 * {@link UpdateDiff}'s answers remembered by the identity of the snapshots they were computed
 * from. An entity sends the same snapshot object to every stream of a port on its node, so the
 * thousands of proxies watching one hot Service need its diff (or its first message, thousands of
 * endpoints long) computed once, not once each — also when those streams ask at the same moment
 * on several threads: the first to claim a slot computes, the others wait for its answer. A pure
 * function's cache of immutable values: a slot is replaced, never changed, and a miss only costs
 * the computation.
 */
public final class UpdateMemo {
  private record Entry(EndpointSnapshot before, EndpointSnapshot after, Once updates) {
    boolean isFor(EndpointSnapshot b, EndpointSnapshot a) {
      return before == b && after == a;
    }
  }

  /** A value computed by the first caller; later and concurrent callers get that one. */
  private static final class Once {
    private final Supplier<List<Update>> compute;
    private volatile List<Update> value;

    Once(Supplier<List<Update>> compute) {
      this.compute = compute;
    }

    List<Update> get() {
      List<Update> known = value;
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

  private final AtomicReferenceArray<Entry> slots;

  /** {@code slots} bounds how many pairs of snapshots it keeps alive. */
  public UpdateMemo(int slots) {
    if (slots < 1) {
      throw new IllegalArgumentException("an update memo needs at least one slot, not " + slots);
    }
    this.slots = new AtomicReferenceArray<>(slots);
  }

  /** {@link UpdateDiff#initial}. */
  public List<Update> initial(EndpointSnapshot state) {
    return remembered(null, state, () -> UpdateDiff.initial(state));
  }

  /** {@link UpdateDiff#between}. */
  public List<Update> between(EndpointSnapshot before, EndpointSnapshot after) {
    return remembered(before, after, () -> UpdateDiff.between(before, after));
  }

  private List<Update> remembered(EndpointSnapshot before, EndpointSnapshot after, Supplier<List<Update>> compute) {
    int slot = Math.floorMod(31 * System.identityHashCode(after) + System.identityHashCode(before), slots.length());
    Entry entry = slots.get(slot);
    if (entry != null && entry.isFor(before, after)) {
      return entry.updates().get();
    }
    Entry mine = new Entry(before, after, new Once(compute));
    if (!slots.compareAndSet(slot, entry, mine)) {
      Entry winner = slots.get(slot);
      if (winner != null && winner.isFor(before, after)) {
        return winner.updates().get();
      }
    }
    return mine.updates().get();
  }
}
