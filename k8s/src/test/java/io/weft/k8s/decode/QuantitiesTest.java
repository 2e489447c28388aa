package io.weft.k8s.decode;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class QuantitiesTest {
  @ParameterizedTest
  @CsvSource({"1, 1000", "500m, 500", "0.5, 500", "100, 100000", "2k, 2000000", "1Ki, 1024000", "1e3, 1000000", "1.5m, 2", "0, 0"})
  void quantitiesAreReadInThousandthsRoundingUp(String quantity, long milli) {
    assertThat(Quantities.milli(quantity)).isEqualTo(milli);
  }

  @ParameterizedTest
  @ValueSource(strings = {"", "half", "1x", "m", "1..5", "9Q"})
  void whatIsNoQuantityIsRefused(String text) {
    assertThatThrownBy(() -> Quantities.milli(text)).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("quantity");
  }
}
