package io.weft.proxy;

import java.io.IOException;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** One HTTP/1.1 request on its own connection (Connection: close), for tests that need many fresh connections. */
public final class RawHttp {
  private static final int TIMEOUT_MS = 30_000;

  private RawHttp() {}

  /** The response to {@code GET path} with {@code host}: status line, headers, and the body (de-chunked). */
  public static String get(int port, String host, String path) throws IOException {
    return get(new java.net.InetSocketAddress(InetAddress.getLoopbackAddress(), port), host, path);
  }

  /** As above, to {@code address}. */
  public static String get(java.net.InetSocketAddress address, String host, String path) throws IOException {
    try (Socket socket = new Socket(address.getAddress(), address.getPort())) {
      socket.setSoTimeout(TIMEOUT_MS);
      socket.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII));
      String raw = new String(socket.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
      int end = raw.indexOf("\r\n\r\n");
      if (end < 0 || !raw.substring(0, end).toLowerCase(java.util.Locale.ROOT).contains("transfer-encoding: chunked")) {
        return new String(raw.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
      }
      StringBuilder body = new StringBuilder();
      int at = end + 4;
      while (true) {
        int line = raw.indexOf("\r\n", at);
        int size = Integer.parseInt(raw.substring(at, line).split(";")[0].trim(), 16);
        if (size == 0) {
          break;
        }
        body.append(raw, line + 2, line + 2 + size);
        at = line + 2 + size + 2;
      }
      return new String((raw.substring(0, end + 4) + body).getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8);
    }
  }
}
