package io.weft.streams.http1;

/**
 * A message that breaks HTTP/1's framing or syntax: the connection cannot be read further. Carries
 * the status to answer a client with (400, 431, 501, 505) and what exactly was wrong.
 */
public final class MalformedHttpException extends RuntimeException {
  private final int status;

  public MalformedHttpException(int status, String message) {
    super(message, null, false, false);
    this.status = status;
  }

  public int status() {
    return status;
  }
}
