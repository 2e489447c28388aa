package io.weft.k8s.decode;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.Map;

/**
 * Kubernetes resource quantities ({@code 1}, {@code 500m}, {@code 2k}, {@code 1Mi}, {@code 1e3}) as
 * thousandths, as Linkerd reads a ServiceProfile's {@code dstOverrides} weights ({@code MilliValue},
 * rounding up).
 */
public final class Quantities {
  private static final Map<String, BigDecimal> SUFFIXES = Map.ofEntries(
      Map.entry("", BigDecimal.ONE), Map.entry("m", new BigDecimal("0.001")),
      Map.entry("k", BigDecimal.TEN.pow(3)), Map.entry("M", BigDecimal.TEN.pow(6)), Map.entry("G", BigDecimal.TEN.pow(9)),
      Map.entry("T", BigDecimal.TEN.pow(12)), Map.entry("P", BigDecimal.TEN.pow(15)), Map.entry("E", BigDecimal.TEN.pow(18)),
      Map.entry("Ki", BigDecimal.valueOf(2).pow(10)), Map.entry("Mi", BigDecimal.valueOf(2).pow(20)),
      Map.entry("Gi", BigDecimal.valueOf(2).pow(30)), Map.entry("Ti", BigDecimal.valueOf(2).pow(40)),
      Map.entry("Pi", BigDecimal.valueOf(2).pow(50)), Map.entry("Ei", BigDecimal.valueOf(2).pow(60)));
  private static final BigDecimal THOUSAND = BigDecimal.valueOf(1000);

  private Quantities() {}

  /** The quantity in thousandths; {@link IllegalArgumentException} when it is no quantity or too large. */
  public static long milli(String text) {
    String s = text.trim();
    int end = s.length();
    while (end > 0 && Character.isLetter(s.charAt(end - 1))) {
      end--;
    }
    String number = s.substring(0, end);
    String suffix = s.substring(end);
    BigDecimal multiplier = SUFFIXES.get(suffix);
    // A decimal exponent (1e3) is part of the number, not a suffix.
    if (multiplier == null && s.matches("[+-]?[0-9.]+[eE][+-]?[0-9]+")) {
      number = s;
      multiplier = BigDecimal.ONE;
    }
    if (multiplier == null || !number.matches("[+-]?([0-9]+\\.?[0-9]*|\\.[0-9]+)([eE][+-]?[0-9]+)?")) {
      throw new IllegalArgumentException("'" + text + "' is not a quantity (a number with an optional suffix such as m, k or Mi)");
    }
    try {
      return new BigDecimal(number).multiply(multiplier).multiply(THOUSAND).setScale(0, RoundingMode.CEILING).longValueExact();
    } catch (ArithmeticException e) {
      throw new IllegalArgumentException("'" + text + "' is too large", e);
    }
  }
}
