package io.weft.operator.check;

/** How a check came out, with Linkerd's symbol and JSON word for it. */
public enum CheckStatus {
  SUCCESS("√", "success"),
  WARNING("‼", "warning"),
  ERROR("×", "error");

  public final String symbol;
  public final String word;

  CheckStatus(String symbol, String word) {
    this.symbol = symbol;
    this.word = word;
  }
}
