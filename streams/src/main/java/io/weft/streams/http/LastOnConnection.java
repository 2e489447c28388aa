package io.weft.streams.http;

/**
 * Marks a response as its connection's last (a server draining for shutdown): an HTTP/1 server
 * sends it with {@code Connection: close} and closes once it is written, so the client's next
 * request goes to a server that is still taking them.
 */
public record LastOnConnection() {
  public static final LastOnConnection INSTANCE = new LastOnConnection();
}
