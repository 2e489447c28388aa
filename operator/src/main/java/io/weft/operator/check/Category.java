package io.weft.operator.check;

import java.util.List;

/**
 * A named group of checks, run in order; each builds on the ones before, so the first error ends
 * the group. A group that {@code applies} only to some installs (HA) is left out of others.
 */
public record Category(String name, List<Check> checks, Applies applies) {
  @FunctionalInterface
  public interface Applies {
    boolean test() throws CheckProblem;
  }

  public Category(String name, List<Check> checks) {
    this(name, checks, () -> true);
  }
}
