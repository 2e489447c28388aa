package io.weft.actors.discovery;

import io.linkerd.proxy.destination.Update;

import java.util.List;

/**
 * {@link UpdateDiff}'s answers remembered by the identity of the snapshots they were computed
 * from: every stream of a port shares its entity's snapshot objects, so the thousands of proxies
 * watching one hot Service need its diff (or its first message, thousands of endpoints long)
 * computed once, not once each.
 */
public final class UpdateMemo {
  private final IdentityMemo<List<Update>> memo;

  /** {@code slots} bounds how many pairs of snapshots it keeps alive. */
  public UpdateMemo(int slots) {
    this.memo = new IdentityMemo<>(slots);
  }

  /** {@link UpdateDiff#initial}. */
  public List<Update> initial(EndpointSnapshot state) {
    return memo.get(null, state, () -> UpdateDiff.initial(state));
  }

  /** {@link UpdateDiff#between}. */
  public List<Update> between(EndpointSnapshot before, EndpointSnapshot after) {
    return memo.get(before, after, () -> UpdateDiff.between(before, after));
  }
}
