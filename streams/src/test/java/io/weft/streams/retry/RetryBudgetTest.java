package io.weft.streams.retry;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;

import static org.assertj.core.api.Assertions.assertThat;

class RetryBudgetTest {
  private final AtomicLong now = new AtomicLong(1_000);

  private RetryBudget linkerds() {
    return new RetryBudget(0.2, 10, Duration.ofSeconds(10), now::get);
  }

  private static int withdrawAll(RetryBudget budget) {
    int granted = 0;
    while (budget.tryWithdraw()) {
      granted++;
    }
    return granted;
  }

  @Test
  void aNewBudgetHasOneSecondOfFreeRetries() {
    assertThat(withdrawAll(linkerds())).isEqualTo(10);
  }

  @Test
  void freeRetriesAccrueWithTimeUpToTheWindow() {
    RetryBudget budget = linkerds();
    assertThat(withdrawAll(budget)).isEqualTo(10);
    now.addAndGet(Duration.ofSeconds(3).toNanos());
    // Three seconds in: 30 free retries in the window, 10 of them spent.
    assertThat(withdrawAll(budget)).isEqualTo(20);
    now.addAndGet(Duration.ofSeconds(30).toNanos());
    // Long after: the window holds 10 s, so 100, and what was spent has slid out of it.
    assertThat(withdrawAll(budget)).isEqualTo(100);
  }

  @Test
  void requestsAddTheirRatioOfARetry() {
    RetryBudget budget = linkerds();
    for (int i = 0; i < 500; i++) {
      budget.deposit();
    }
    // 20 % of 500, plus the first second's 10.
    assertThat(withdrawAll(budget)).isEqualTo(110);
  }

  @Test
  void depositsSlideOutOfTheWindow() {
    RetryBudget budget = new RetryBudget(0.5, 0, Duration.ofSeconds(10), now::get);
    for (int i = 0; i < 100; i++) {
      budget.deposit();
    }
    now.addAndGet(Duration.ofSeconds(11).toNanos());
    assertThat(budget.tryWithdraw()).isFalse();
    budget.deposit();
    budget.deposit();
    assertThat(withdrawAll(budget)).isEqualTo(1);
  }

  @Test
  void aBudgetMustMakeSense() {
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RetryBudget(-1, 10, Duration.ofSeconds(10)))
        .hasMessageContaining("ratio");
    org.assertj.core.api.Assertions.assertThatThrownBy(() -> new RetryBudget(0.2, 10, Duration.ZERO))
        .hasMessageContaining("ttl");
  }
}
