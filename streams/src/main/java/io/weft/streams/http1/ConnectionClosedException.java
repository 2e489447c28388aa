package io.weft.streams.http1;

/**
 * A connection ended before the response to a request began. {@code requestSent} says whether any
 * of the request may have reached the server: when not, sending it again elsewhere is always safe.
 */
public final class ConnectionClosedException extends RuntimeException {
  private final boolean requestSent;

  public ConnectionClosedException(String message, boolean requestSent, Throwable cause) {
    super(message, cause, false, false);
    this.requestSent = requestSent;
  }

  public boolean requestSent() {
    return requestSent;
  }
}
