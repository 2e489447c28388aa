package io.weft.streams.balance;

import io.weft.streams.service.Service;

import java.util.List;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Sends each request to one of several services at random in proportion to their weights: a
 * traffic split (a canary, a migration), as a ServiceProfile's {@code dstOverrides} or an
 * HTTPRoute's weighted {@code backendRefs} ask. Immutable: a new split replaces it when the weights change.
 */
public final class WeightedSplit<Q, R> implements Service<Q, R> {
  /** One way a request may go, and its share. */
  public record Weighted<Q, R>(Service<Q, R> service, long weight) {}

  private final Service<Q, R>[] services;
  /** Running totals of the weights, to pick with one random number and a binary search. */
  private final long[] upTo;

  @SuppressWarnings("unchecked")
  public WeightedSplit(List<Weighted<Q, R>> choices) {
    List<Weighted<Q, R>> weighted = choices.stream().filter(c -> c.weight() > 0).toList();
    if (weighted.isEmpty()) {
      throw new IllegalArgumentException("a split needs at least one choice with a weight above zero");
    }
    services = new Service[weighted.size()];
    upTo = new long[weighted.size()];
    long total = 0;
    for (int i = 0; i < weighted.size(); i++) {
      total = Math.addExact(total, weighted.get(i).weight());
      services[i] = weighted.get(i).service();
      upTo[i] = total;
    }
  }

  @Override
  public CompletionStage<R> call(Q request) {
    long pick = ThreadLocalRandom.current().nextLong(upTo[upTo.length - 1]);
    int low = 0;
    int high = upTo.length - 1;
    while (low < high) {
      int mid = (low + high) >>> 1;
      if (pick < upTo[mid]) {
        high = mid;
      } else {
        low = mid + 1;
      }
    }
    return services[low].call(request);
  }
}
