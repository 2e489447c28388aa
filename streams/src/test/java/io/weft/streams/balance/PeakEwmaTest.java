package io.weft.streams.balance;

import org.junit.jupiter.api.Test;

import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;

class PeakEwmaTest {
  private static final long MS = TimeUnit.MILLISECONDS.toNanos(1);
  private long now;

  @Test
  void startsAtTheDefaultAndCountsInFlightRequests() {
    PeakEwma ewma = new PeakEwma(30 * MS, 10_000 * MS, () -> now);
    assertThat(ewma.load()).isCloseTo(30.0 * MS, within(1.0));
    ewma.started();
    ewma.started();
    assertThat(ewma.load()).isCloseTo(90.0 * MS, within(1.0));
  }

  @Test
  void jumpsToAPeakAtOnceAndDecaysBackSlowly() {
    PeakEwma ewma = new PeakEwma(30 * MS, 10_000 * MS, () -> now);
    long sent = ewma.started();
    now += 400 * MS;
    ewma.completed(sent);
    assertThat(ewma.load()).isCloseTo(400.0 * MS, within(1.0));
    // A fast answer 1 s later moves it only part of the way down (weight 1 - e^-0.1).
    sent = ewma.started();
    now += 1000 * MS;
    ewma.completed(sent);
    now += 0;
    double expected = 1000.0 * MS; // this sample (1 s) is itself a new peak
    assertThat(ewma.load()).isCloseTo(expected, within(1.0));
    sent = ewma.started();
    now += 1 * MS;
    ewma.completed(sent);
    assertThat(ewma.load()).isLessThan(expected).isGreaterThan(0.99 * expected);
    // Idle for a long time, it decays towards zero, so it will be tried again.
    now += 100_000 * MS;
    assertThat(ewma.load()).isLessThan(1.0 * MS);
  }
}
