package io.weft.streams.http1;

import io.weft.streams.http.Headers;
import io.weft.streams.http.StatusCodes;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import org.apache.pekko.util.ByteString;

import java.util.Arrays;

/**
 * Writes HTTP/1.1 heads from the light model: the start line, Host, the message's own fields as
 * they came, then the framing and connection fields this hop needs (never the previous hop's).
 */
public final class Http1Renderer {
  private static final ByteString CRLF = ByteString.fromString("\r\n");
  public static final ByteString LAST_CHUNK = ByteString.fromString("0\r\n\r\n");
  private static final int HEAD_GUESS = 256;

  private Http1Renderer() {}

  public static ByteString requestHead(Request request, Framing framing) {
    Writer w = new Writer();
    w.text(request.method()).text(" ").text(request.target()).text(" HTTP/1.1\r\n");
    if (!request.authority().isEmpty()) {
      w.field("Host", request.authority());
    }
    w.fields(request.headers());
    switch (framing.kind()) {
      case LENGTH -> w.field("Content-Length", Long.toString(framing.length()));
      case CHUNKED -> w.field("Transfer-Encoding", "chunked");
      case TUNNEL -> w.field("Connection", "upgrade");
      case NONE -> {
        if (expectsBody(request.method())) {
          w.field("Content-Length", "0");
        }
      }
      case UNTIL_CLOSE -> throw new IllegalArgumentException("a request cannot run until the connection closes");
    }
    return w.end();
  }

  /** {@code close}: this is the connection's last response; {@code client}: the version the client spoke. */
  public static ByteString responseHead(Response response, Framing framing, boolean close, HttpVersion client) {
    Writer w = new Writer();
    w.text("HTTP/1.1 ").text(StatusCodes.text(response.status())).text(" ")
        .text(response.reason() != null ? response.reason() : Statuses.reason(response.status())).text("\r\n");
    w.fields(response.headers());
    switch (framing.kind()) {
      case LENGTH -> w.field("Content-Length", Long.toString(framing.length()));
      case CHUNKED -> w.field("Transfer-Encoding", "chunked");
      case TUNNEL -> w.field("Connection", "upgrade");
      case NONE -> {
        if (!response.headers().contains("Content-Length") && response.status() >= 200 && response.status() != 204
            && response.status() != 304) {
          w.field("Content-Length", "0");
        }
      }
      case UNTIL_CLOSE -> { }
    }
    if (framing.kind() != Framing.Kind.TUNNEL) {
      if (close) {
        w.field("Connection", "close");
      } else if (client == HttpVersion.HTTP_1_0) {
        w.field("Connection", "keep-alive");
      }
    }
    return w.end();
  }

  /** One chunk of a chunked body. */
  public static ByteString chunk(ByteString data) {
    return ByteString.fromString(Integer.toHexString(data.size()) + "\r\n").concat(data).concat(CRLF);
  }

  private static boolean expectsBody(String method) {
    return method.equals("POST") || method.equals("PUT") || method.equals("PATCH");
  }

  /** Latin-1 bytes into one array: a head is written once per message, so it is built without intermediate strings. */
  private static final class Writer {
    private byte[] bytes = new byte[HEAD_GUESS];
    private int size;

    Writer text(String s) {
      int n = s.length();
      if (size + n > bytes.length) {
        bytes = Arrays.copyOf(bytes, Math.max(bytes.length * 2, size + n));
      }
      for (int i = 0; i < n; i++) {
        bytes[size++] = (byte) s.charAt(i);
      }
      return this;
    }

    Writer field(String name, String value) {
      return text(name).text(": ").text(value).text("\r\n");
    }

    Writer fields(Headers headers) {
      for (int i = 0; i < headers.size(); i++) {
        field(headers.name(i), headers.value(i));
      }
      return this;
    }

    ByteString end() {
      text("\r\n");
      return ByteString.fromArrayUnsafe(bytes, 0, size);
    }
  }
}
