package io.weft.operator.check;

/** Why a check did not pass: an error, or only a warning. The message says what was found. */
public final class CheckProblem extends Exception {
  private final boolean warning;

  private CheckProblem(String message, boolean warning) {
    super(message);
    this.warning = warning;
  }

  public static CheckProblem error(String message) {
    return new CheckProblem(message, false);
  }

  public static CheckProblem warning(String message) {
    return new CheckProblem(message, true);
  }

  public boolean warning() {
    return warning;
  }
}
