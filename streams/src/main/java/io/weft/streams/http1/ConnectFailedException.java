package io.weft.streams.http1;

/** No connection could be made (refused, unreachable, timed out): nothing of the request was sent. */
public final class ConnectFailedException extends RuntimeException {
  public ConnectFailedException(String message, Throwable cause) {
    super(message, cause, false, false);
  }
}
