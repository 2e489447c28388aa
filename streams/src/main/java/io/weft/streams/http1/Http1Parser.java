package io.weft.streams.http1;

import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;
import io.weft.streams.http.Response;
import org.apache.pekko.util.ByteString;

import java.nio.charset.StandardCharsets;

/**
 * Reads HTTP/1 message heads (RFC 9112) from a connection's bytes into the light model, strictly
 * where leniency lets two parsers disagree about where a message ends (request smuggling): a
 * field with both Transfer-Encoding and Content-Length, differing Content-Lengths, a transfer
 * coding other than chunked, obs-fold, whitespace before a field's colon, NUL, bare CR and other
 * control characters are refused; a head over the limits gets 431. Hop-by-hop fields
 * (Connection and the fields it names, Keep-Alive, Proxy-Connection, TE, Trailer, Upgrade,
 * Transfer-Encoding) and the framing fields are consumed here and described by {@link Head}
 * instead. One parser per connection: it remembers how far it has searched an incomplete head.
 */
public final class Http1Parser {
  /** A parsed head: the message (its body to be attached by the reader), how its body is framed, and its connection options. */
  public record Head<M>(M message, Framing framing, int length, boolean close, boolean keepAlive, boolean expectContinue) {}

  private static final byte CR = '\r';
  private static final byte LF = '\n';

  private final Http1Limits limits;
  private int scanned;

  public Http1Parser(Http1Limits limits) {
    this.limits = limits;
  }

  /** The request head at the start of {@code buffer}, or null until all of it has arrived. */
  public Head<Request> request(ByteString buffer) {
    int end = headEnd(buffer, 431);
    if (end < 0) {
      return null;
    }
    byte[] bytes = buffer.slice(0, end).toArrayUnsafe();
    Lines lines = new Lines(bytes, end);
    int lineEnd = lines.next();
    // RFC 9112 §2.2: an empty line before the request line is ignored.
    while (lineEnd == lines.start) {
      lines.advance();
      lineEnd = lines.next();
    }
    int s = lines.start;
    int sp1 = indexOf(bytes, (byte) ' ', s, lineEnd);
    int sp2 = sp1 < 0 ? -1 : indexOf(bytes, (byte) ' ', sp1 + 1, lineEnd);
    if (sp1 <= s || sp2 <= sp1 + 1 || indexOf(bytes, (byte) ' ', sp2 + 1, lineEnd) >= 0) {
      throw new MalformedHttpException(400, "malformed request line");
    }
    String method = token(bytes, s, sp1, "method");
    String target = visible(bytes, sp1 + 1, sp2, "request target");
    HttpVersion version = version(bytes, sp2 + 1, lineEnd, 400);
    lines.advance();
    Fields fields = fields(lines, bytes, 400);
    String authority = fields.host;
    if (version == HttpVersion.HTTP_1_1 && fields.hostCount != 1) {
      throw new MalformedHttpException(400, fields.hostCount == 0 ? "HTTP/1.1 request without Host" : "more than one Host field");
    }
    if (fields.hostCount > 1) {
      throw new MalformedHttpException(400, "more than one Host field");
    }
    if (target.regionMatches(true, 0, "http://", 0, 7) || target.regionMatches(true, 0, "https://", 0, 8)) {
      // Absolute form (a client that treats this proxy as its HTTP proxy): the target names the authority.
      int from = target.indexOf("//") + 2;
      int path = target.indexOf('/', from);
      int query = target.indexOf('?', from);
      int cut = path < 0 ? query : query < 0 ? path : Math.min(path, query);
      authority = target.substring(from, cut < 0 ? target.length() : cut);
      target = cut < 0 ? "/" : target.charAt(cut) == '?' ? "/" + target.substring(cut) : target.substring(cut);
    } else if (target.charAt(0) != '/' && !target.equals("*")) {
      throw new MalformedHttpException(method.equals("CONNECT") ? 501 : 400, method.equals("CONNECT")
          ? "CONNECT is not supported" : "request target is neither a path nor an absolute URI");
    }
    Framing framing = requestFraming(fields, version);
    if (fields.upgrade != null && fields.connectionUpgrade && framing == Framing.NONE) {
      fields.headers.add("Upgrade", fields.upgrade);
      framing = Framing.TUNNEL;
    }
    Request request = new Request(method, target, authority == null ? "" : authority, version, fields.headers, Body.EMPTY);
    boolean close = fields.close || (version == HttpVersion.HTTP_1_0 && !fields.keepAlive);
    return new Head<>(request, framing, end, close, fields.keepAlive, fields.expectContinue);
  }

  /**
   * The response head at the start of {@code buffer}, or null until all of it has arrived;
   * {@code toHead}: the request was HEAD, so no body follows whatever the fields say.
   */
  public Head<Response> response(ByteString buffer, boolean toHead) {
    int end = headEnd(buffer, 502);
    if (end < 0) {
      return null;
    }
    byte[] bytes = buffer.slice(0, end).toArrayUnsafe();
    Lines lines = new Lines(bytes, end);
    int lineEnd = lines.next();
    int s = lines.start;
    int sp1 = indexOf(bytes, (byte) ' ', s, lineEnd);
    if (sp1 < 0 || lineEnd - sp1 < 4 || (lineEnd - sp1 > 4 && bytes[sp1 + 4] != ' ')) {
      throw new MalformedHttpException(502, "malformed status line");
    }
    HttpVersion version = version(bytes, s, sp1, 502);
    int status = 0;
    for (int i = sp1 + 1; i < sp1 + 4; i++) {
      if (bytes[i] < '0' || bytes[i] > '9') {
        throw new MalformedHttpException(502, "malformed status code");
      }
      status = status * 10 + (bytes[i] - '0');
    }
    if (status < 100) {
      throw new MalformedHttpException(502, "status code " + status + " out of range");
    }
    String reason = lineEnd - sp1 > 5 ? text(bytes, sp1 + 5, lineEnd, "reason phrase", 502) : "";
    lines.advance();
    Fields fields = fields(lines, bytes, 502);
    Framing framing;
    if (status == 101) {
      framing = Framing.TUNNEL;
      if (fields.upgrade != null) {
        fields.headers.add("Upgrade", fields.upgrade);
      }
    } else if (toHead || status < 200 || status == 204 || status == 304) {
      framing = Framing.NONE;
      fields.keepLength();
    } else {
      framing = responseFraming(fields);
    }
    boolean close = fields.close || (version == HttpVersion.HTTP_1_0 && !fields.keepAlive)
        || framing.kind() == Framing.Kind.UNTIL_CLOSE;
    Response response = new Response(status, reason, version, fields.headers, Body.EMPTY);
    return new Head<>(response, framing, end, close, fields.keepAlive, false);
  }

  /** Where the head ends (just past its blank line), or -1 while incomplete. */
  private int headEnd(ByteString buffer, int tooLarge) {
    int from = Math.max(0, scanned - 2);
    int size = buffer.size();
    while (true) {
      int lf = buffer.indexOf(LF, from);
      if (lf < 0 || lf + 1 >= size) {
        scanned = size;
        if (size > limits.maxHeadBytes()) {
          throw new MalformedHttpException(tooLarge == 431 ? 431 : 502, "head larger than " + limits.maxHeadBytes() + " bytes");
        }
        return -1;
      }
      byte next = buffer.apply(lf + 1);
      int end = -1;
      if (next == LF) {
        end = lf + 2;
      } else if (next == CR) {
        if (lf + 2 >= size) {
          scanned = lf + 1;
          return -1;
        }
        if (buffer.apply(lf + 2) == LF) {
          end = lf + 3;
        }
      }
      if (end > 0 && !leadingBlank(buffer, end)) {
        if (end > limits.maxHeadBytes()) {
          throw new MalformedHttpException(tooLarge == 431 ? 431 : 502, "head larger than " + limits.maxHeadBytes() + " bytes");
        }
        scanned = 0;
        return end;
      }
      from = lf + 1;
    }
  }

  /** A blank line that only precedes the request line (ignored) does not end a head. */
  private static boolean leadingBlank(ByteString buffer, int end) {
    for (int i = 0; i < end; i++) {
      byte b = buffer.apply(i);
      if (b != CR && b != LF) {
        return false;
      }
    }
    return true;
  }

  /** The lines of a complete head; each ends at LF, with an optional CR before it. */
  private static final class Lines {
    final byte[] bytes;
    final int end;
    int start;
    int lf;

    Lines(byte[] bytes, int end) {
      this.bytes = bytes;
      this.end = end;
    }

    /** The end of the current line's content (before CR LF or LF). */
    int next() {
      lf = indexOf(bytes, LF, start, end);
      int contentEnd = lf > start && bytes[lf - 1] == CR ? lf - 1 : lf;
      return contentEnd;
    }

    void advance() {
      start = lf + 1;
    }
  }

  private static final class Fields {
    final Headers headers = new Headers();
    String host;
    int hostCount;
    String contentLength;
    String transferEncoding;
    String upgrade;
    boolean close;
    boolean keepAlive;
    boolean connectionUpgrade;
    boolean expectContinue;
    String connectionNames;

    /** Content-Length of a response that has no body (to HEAD, 304) describes the resource: it goes on. */
    void keepLength() {
      if (contentLength != null) {
        headers.add("Content-Length", contentLength);
      }
    }
  }

  private Fields fields(Lines lines, byte[] bytes, int malformed) {
    Fields f = new Fields();
    int count = 0;
    while (true) {
      int lineEnd = lines.next();
      int s = lines.start;
      if (lineEnd == s) {
        break;
      }
      if (++count > limits.maxHeaders()) {
        throw new MalformedHttpException(malformed == 400 ? 431 : 502, "more than " + limits.maxHeaders() + " header fields");
      }
      if (bytes[s] == ' ' || bytes[s] == '\t') {
        throw new MalformedHttpException(malformed, "obsolete line folding in a header field");
      }
      int colon = indexOf(bytes, (byte) ':', s, lineEnd);
      if (colon <= s) {
        throw new MalformedHttpException(malformed, "header field without a name and colon");
      }
      String name = token(bytes, s, colon, "header field name", malformed);
      int vs = colon + 1;
      int ve = lineEnd;
      while (vs < ve && (bytes[vs] == ' ' || bytes[vs] == '\t')) {
        vs++;
      }
      while (ve > vs && (bytes[ve - 1] == ' ' || bytes[ve - 1] == '\t')) {
        ve--;
      }
      String value = text(bytes, vs, ve, "value of " + name, malformed);
      lines.advance();
      classify(f, name, value, malformed);
    }
    if (f.connectionNames != null) {
      for (String named : f.connectionNames.split(",")) {
        String n = named.trim();
        if (!n.isEmpty()) {
          f.headers.remove(n);
        }
      }
    }
    return f;
  }

  private static void classify(Fields f, String name, String value, int malformed) {
    switch (name.length()) {
      case 4 -> {
        if (name.equalsIgnoreCase("Host")) {
          f.host = value;
          f.hostCount++;
          return;
        }
      }
      case 10 -> {
        if (name.equalsIgnoreCase("Connection")) {
          connection(f, value);
          return;
        }
        if (name.equalsIgnoreCase("Keep-Alive")) {
          return;
        }
      }
      case 14 -> {
        if (name.equalsIgnoreCase("Content-Length")) {
          if (f.contentLength != null && !f.contentLength.equals(value)) {
            throw new MalformedHttpException(malformed, "conflicting Content-Length fields");
          }
          f.contentLength = value;
          return;
        }
      }
      case 17 -> {
        if (name.equalsIgnoreCase("Transfer-Encoding")) {
          f.transferEncoding = f.transferEncoding == null ? value : f.transferEncoding + "," + value;
          return;
        }
      }
      case 7 -> {
        if (name.equalsIgnoreCase("Upgrade")) {
          f.upgrade = value;
          return;
        }
        if (name.equalsIgnoreCase("Trailer")) {
          return;
        }
      }
      case 2 -> {
        if (name.equalsIgnoreCase("TE")) {
          return;
        }
      }
      case 16 -> {
        if (name.equalsIgnoreCase("Proxy-Connection")) {
          return;
        }
      }
      case 6 -> {
        if (name.equalsIgnoreCase("Expect")) {
          if (value.equalsIgnoreCase("100-continue")) {
            f.expectContinue = true;
            return;
          }
        }
      }
      default -> { }
    }
    f.headers.add(name, value);
  }

  private static void connection(Fields f, String value) {
    for (String option : value.split(",")) {
      String o = option.trim();
      if (o.equalsIgnoreCase("close")) {
        f.close = true;
      } else if (o.equalsIgnoreCase("keep-alive")) {
        f.keepAlive = true;
      } else if (o.equalsIgnoreCase("upgrade")) {
        f.connectionUpgrade = true;
      } else if (!o.isEmpty()) {
        f.connectionNames = f.connectionNames == null ? o : f.connectionNames + "," + o;
      }
    }
  }

  private static Framing requestFraming(Fields f, HttpVersion version) {
    if (f.transferEncoding != null) {
      if (f.contentLength != null) {
        throw new MalformedHttpException(400, "both Transfer-Encoding and Content-Length");
      }
      if (version == HttpVersion.HTTP_1_0) {
        throw new MalformedHttpException(400, "Transfer-Encoding in an HTTP/1.0 request");
      }
      if (!f.transferEncoding.trim().equalsIgnoreCase("chunked")) {
        throw new MalformedHttpException(501, "transfer coding '" + f.transferEncoding + "' is not supported");
      }
      return Framing.CHUNKED;
    }
    return f.contentLength == null ? Framing.NONE : Framing.length(length(f.contentLength, 400));
  }

  private static Framing responseFraming(Fields f) {
    if (f.transferEncoding != null) {
      if (f.contentLength != null) {
        throw new MalformedHttpException(502, "both Transfer-Encoding and Content-Length");
      }
      String codings = f.transferEncoding.trim();
      if (codings.equalsIgnoreCase("chunked")) {
        return Framing.CHUNKED;
      }
      // RFC 9112 §6.3: a response whose final coding is not chunked runs until the connection closes.
      return Framing.UNTIL_CLOSE;
    }
    return f.contentLength == null ? Framing.UNTIL_CLOSE : new Framing(Framing.Kind.LENGTH, length(f.contentLength, 502));
  }

  private static long length(String value, int malformed) {
    if (value.isEmpty() || value.length() > 18) {
      throw new MalformedHttpException(malformed, "malformed Content-Length '" + value + "'");
    }
    long n = 0;
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (c < '0' || c > '9') {
        throw new MalformedHttpException(malformed, "malformed Content-Length '" + value + "'");
      }
      n = n * 10 + (c - '0');
    }
    return n;
  }

  private static HttpVersion version(byte[] bytes, int from, int to, int malformed) {
    if (to - from == 8 && bytes[from] == 'H' && bytes[from + 1] == 'T' && bytes[from + 2] == 'T' && bytes[from + 3] == 'P'
        && bytes[from + 4] == '/' && bytes[from + 5] == '1' && bytes[from + 6] == '.') {
      if (bytes[from + 7] == '1') {
        return HttpVersion.HTTP_1_1;
      }
      if (bytes[from + 7] == '0') {
        return HttpVersion.HTTP_1_0;
      }
    }
    if (to - from >= 5 && new String(bytes, from, 5, StandardCharsets.ISO_8859_1).equals("HTTP/")) {
      throw new MalformedHttpException(malformed == 400 ? 505 : 502, "HTTP version not supported");
    }
    throw new MalformedHttpException(malformed, "malformed HTTP version");
  }

  private static String token(byte[] bytes, int from, int to, String what) {
    return token(bytes, from, to, what, 400);
  }

  private static String token(byte[] bytes, int from, int to, String what, int malformed) {
    for (int i = from; i < to; i++) {
      if (!TCHAR[bytes[i] & 0xff]) {
        throw new MalformedHttpException(malformed, "invalid character in " + what);
      }
    }
    return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
  }

  private static String visible(byte[] bytes, int from, int to, String what) {
    for (int i = from; i < to; i++) {
      int b = bytes[i] & 0xff;
      if (b <= 0x20 || b == 0x7f) {
        throw new MalformedHttpException(400, "invalid character in " + what);
      }
    }
    return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
  }

  /** Field values and reason phrases: visible characters, spaces, tabs and obs-text; never NUL, CR or another control. */
  private static String text(byte[] bytes, int from, int to, String what, int malformed) {
    for (int i = from; i < to; i++) {
      int b = bytes[i] & 0xff;
      if ((b < 0x20 && b != '\t') || b == 0x7f) {
        throw new MalformedHttpException(malformed, "invalid character in " + what);
      }
    }
    return new String(bytes, from, to - from, StandardCharsets.ISO_8859_1);
  }

  static int indexOf(byte[] bytes, byte b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (bytes[i] == b) {
        return i;
      }
    }
    return -1;
  }

  private static final boolean[] TCHAR = new boolean[256];

  static {
    for (char c = '0'; c <= '9'; c++) {
      TCHAR[c] = true;
    }
    for (char c = 'a'; c <= 'z'; c++) {
      TCHAR[c] = true;
      TCHAR[Character.toUpperCase(c)] = true;
    }
    for (char c : "!#$%&'*+-.^_`|~".toCharArray()) {
      TCHAR[c] = true;
    }
  }
}
