package io.weft.operator.check;

/**
 * One check: the line it prints, the hint shown when it fails, and how it runs. A fatal check's
 * failure stops every check after it; a retryable one is run again until {@code --wait} is up
 * (things that become true by themselves, like pods becoming ready).
 */
public record Check(String description, String hint, boolean fatal, boolean retryable, Probe probe) {
  @FunctionalInterface
  public interface Probe {
    /** Passes by returning; fails (or warns) by throwing. */
    void run() throws CheckProblem;
  }

  public static Check of(String description, String hint, Probe probe) {
    return new Check(description, hint, false, false, probe);
  }

  public Check stopsTheRun() {
    return new Check(description, hint, true, retryable, probe);
  }

  public Check awaited() {
    return new Check(description, hint, fatal, true, probe);
  }
}
