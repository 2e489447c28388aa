package io.weft.streams.http;

/**
 * The fields a message's body ends with (HTTP/2 trailers: gRPC's status), known only once the
 * body has ended: whoever reads the body sets them before the body completes, so whoever sees the
 * body's end finds them here.
 */
public final class Trailers {
  private volatile Headers fields;

  public Trailers() {}

  public Trailers(Headers fields) {
    this.fields = fields;
  }

  /** The trailer fields, or null while the body has not ended (or ended without any). */
  public Headers fields() {
    return fields;
  }

  public void set(Headers fields) {
    this.fields = fields;
  }
}
