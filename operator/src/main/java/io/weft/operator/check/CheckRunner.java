package io.weft.operator.check;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.function.Consumer;

/**
 * Runs categories of checks in order, reporting each result as it comes: the first error in a
 * category ends that category, a fatal error ends the run, and a retryable check is polled until
 * it passes or the wait is over.
 */
public final class CheckRunner {
  private final Duration wait;
  private final Duration retryInterval;
  private final Clock clock;

  public CheckRunner(Duration wait, Duration retryInterval, Clock clock) {
    this.wait = wait;
    this.retryInterval = retryInterval;
    this.clock = clock;
  }

  /** Whether no check ended in an error (warnings pass). */
  public boolean run(List<Category> categories, Consumer<CheckResult> report) {
    Instant deadline = clock.instant().plus(wait);
    boolean success = true;
    for (Category category : categories) {
      if (!applies(category)) {
        continue;
      }
      for (Check check : category.checks()) {
        CheckResult result = runUntil(category.name(), check, deadline);
        report.accept(result);
        if (result.status() == CheckStatus.ERROR) {
          success = false;
          if (check.fatal()) {
            return false;
          }
          break;
        }
      }
    }
    return success;
  }

  private static boolean applies(Category category) {
    try {
      return category.applies().test();
    } catch (CheckProblem | RuntimeException e) {
      // What it depends on was reported by an earlier check.
      return false;
    }
  }

  private CheckResult runUntil(String category, Check check, Instant deadline) {
    while (true) {
      CheckResult result = runOnce(category, check);
      if (result.status() != CheckStatus.ERROR || !check.retryable() || !clock.instant().plus(retryInterval).isBefore(deadline)) {
        return result;
      }
      try {
        // Polling the cluster: what is awaited (pods becoming ready) happens there, not here.
        Thread.sleep(retryInterval);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return result;
      }
    }
  }

  private static CheckResult runOnce(String category, Check check) {
    try {
      check.probe().run();
      return new CheckResult(category, check.description(), CheckStatus.SUCCESS, "", "");
    } catch (CheckProblem problem) {
      return new CheckResult(category, check.description(), problem.warning() ? CheckStatus.WARNING : CheckStatus.ERROR,
          problem.getMessage(), check.hint());
    } catch (RuntimeException e) {
      // The API refusing or failing is this check's error, not the end of the run.
      return new CheckResult(category, check.description(), CheckStatus.ERROR, describe(e), check.hint());
    }
  }

  /** The failure and, when it wraps one, what it came from (a client error's cause is the useful part). */
  static String describe(Throwable e) {
    String message = e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage().strip();
    Throwable root = e;
    while (root.getCause() != null && root.getCause() != root) {
      root = root.getCause();
    }
    if (root != e) {
      String cause = root.getMessage() == null ? root.getClass().getSimpleName() : root.getMessage();
      message += "\n" + root.getClass().getSimpleName() + ": " + cause;
    }
    return message;
  }
}
