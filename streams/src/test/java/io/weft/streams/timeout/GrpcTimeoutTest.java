package io.weft.streams.timeout;

import org.junit.jupiter.api.Test;

import java.time.Duration;

import static org.assertj.core.api.Assertions.assertThat;

class GrpcTimeoutTest {
  @Test
  void everyUnitOfTheSpec() {
    assertThat(GrpcTimeout.parse("2H")).contains(Duration.ofHours(2));
    assertThat(GrpcTimeout.parse("3M")).contains(Duration.ofMinutes(3));
    assertThat(GrpcTimeout.parse("10S")).contains(Duration.ofSeconds(10));
    assertThat(GrpcTimeout.parse("300m")).contains(Duration.ofMillis(300));
    assertThat(GrpcTimeout.parse("250u")).contains(Duration.ofNanos(250_000));
    assertThat(GrpcTimeout.parse("99999999n")).contains(Duration.ofNanos(99_999_999));
  }

  @Test
  void whatIsNotATimeoutIsIgnored() {
    assertThat(GrpcTimeout.parse(null)).isEmpty();
    assertThat(GrpcTimeout.parse("")).isEmpty();
    assertThat(GrpcTimeout.parse("m")).isEmpty();
    assertThat(GrpcTimeout.parse("10")).isEmpty();
    assertThat(GrpcTimeout.parse("10s")).isEmpty();
    assertThat(GrpcTimeout.parse("-1S")).isEmpty();
    assertThat(GrpcTimeout.parse("123456789S")).as("more than eight digits").isEmpty();
  }

  @Test
  void aTimeoutIsWrittenInAsFineAUnitAsFitsEightDigits() {
    assertThat(GrpcTimeout.format(Duration.ofSeconds(10))).isEqualTo("10000m");
    assertThat(GrpcTimeout.format(Duration.ofDays(2))).isEqualTo("172800S");
    assertThat(GrpcTimeout.format(Duration.ofDays(365 * 10_000L))).isEqualTo("87600000H");
    assertThat(GrpcTimeout.format(Duration.ofDays(365 * 20_000L))).isEqualTo("99999999H");
    for (Duration d : new Duration[] {Duration.ofMillis(1), Duration.ofMinutes(7), Duration.ofDays(1500)}) {
      assertThat(GrpcTimeout.parse(GrpcTimeout.format(d))).contains(d);
    }
  }
}
