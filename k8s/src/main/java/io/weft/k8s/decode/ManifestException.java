package io.weft.k8s.decode;

/** A manifest that cannot be decoded; {@code field} is the JSON path of the offending value. */
public final class ManifestException extends Exception {
  private final String field;

  public ManifestException(String field, String message) {
    super(field + ": " + message);
    this.field = field;
  }

  public String field() {
    return field;
  }
}
