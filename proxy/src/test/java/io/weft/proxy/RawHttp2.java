package io.weft.proxy;

import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Exception;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An HTTP/2 client that writes frames by hand (prior knowledge, no TLS), so a test can send what no
 * well-behaved client would: uppercase header names, connection-specific headers, misplaced or
 * missing pseudo-headers. Header blocks are HPACK literals without indexing (names exactly as
 * given, no Huffman); what comes back is decoded with Netty's HPACK decoder (from gRPC's shaded
 * Netty, already on the classpath).
 */
public final class RawHttp2 implements AutoCloseable {
  private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
  private static final int DATA = 0x0;
  private static final int HEADERS = 0x1;
  private static final int RST_STREAM = 0x3;
  private static final int SETTINGS = 0x4;
  private static final int PING = 0x6;
  private static final int GOAWAY = 0x7;
  private static final int WINDOW_UPDATE = 0x8;
  private static final int CONTINUATION = 0x9;
  private static final int END_STREAM = 0x1;
  private static final int END_HEADERS = 0x4;
  private static final int ACK = 0x1;
  /** Linkerd's and RFC 9113's error code for a malformed message. */
  public static final int PROTOCOL_ERROR = 0x1;

  private final Socket socket;
  private final OutputStream out;
  private final DataInputStream in;
  private final DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
  private int nextStream = 1;

  /** One frame as read off the wire. */
  record Frame(int type, int flags, int stream, byte[] payload) {
    /** The next frame of {@code in}. */
    static Frame read(DataInputStream in) throws IOException {
      int length = (in.readUnsignedByte() << 16) | (in.readUnsignedByte() << 8) | in.readUnsignedByte();
      int type = in.readUnsignedByte();
      int flags = in.readUnsignedByte();
      int stream = in.readInt() & 0x7fffffff;
      return new Frame(type, flags, stream, in.readNBytes(length));
    }

    /** The payload without its padding (and a HEADERS frame's priority fields). */
    byte[] unpadded() {
      int start = 0;
      int end = payload.length;
      if ((flags & 0x8) != 0) { // PADDED
        start = 1;
        end -= payload[0] & 0xff;
      }
      if (type == HEADERS && (flags & 0x20) != 0) { // PRIORITY
        start += 5;
      }
      return java.util.Arrays.copyOfRange(payload, start, end);
    }
  }

  /** What became of one stream: its response headers, body, trailers, or the reset that ended it. */
  public record Exchange(Map<String, String> headers, String body, Map<String, String> trailers, Integer resetCode) {
    public String status() {
      return headers.get(":status");
    }
  }

  public RawHttp2(int port) throws IOException {
    socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(30_000);
    out = socket.getOutputStream();
    in = new DataInputStream(socket.getInputStream());
    out.write(PREFACE);
    frame(SETTINGS, 0, 0, new byte[0]);
    out.flush();
  }

  /** A header block of literal fields, each name and value exactly as given (in order: a list of pairs). */
  public static byte[] block(List<String[]> fields) {
    ByteArrayOutputStream b = new ByteArrayOutputStream();
    for (String[] field : fields) {
      b.write(0x00); // literal header field without indexing, new name
      string(b, field[0]);
      string(b, field[1]);
    }
    return b.toByteArray();
  }

  /** A request's fields: the four pseudo-headers of a POST to {@code path} at {@code authority}, then {@code more}. */
  public static List<String[]> request(String authority, String path, String... more) {
    List<String[]> fields = new ArrayList<>(List.of(new String[] {":method", "POST"}, new String[] {":scheme", "http"},
        new String[] {":authority", authority}, new String[] {":path", path}));
    for (int i = 0; i < more.length; i += 2) {
      fields.add(new String[] {more[i], more[i + 1]});
    }
    return fields;
  }

  /**
   * Sends {@code headers} on a new stream, then each of {@code data} and, if given, a trailer
   * block ending the stream; returns what the server answered on that stream.
   */
  public Exchange exchange(byte[] headers, List<String> data, byte[] trailers) throws IOException, Http2Exception {
    int stream = nextStream;
    nextStream += 2;
    boolean bodyFollows = !data.isEmpty() || trailers != null;
    frame(HEADERS, END_HEADERS | (bodyFollows ? 0 : END_STREAM), stream, headers);
    for (int i = 0; i < data.size(); i++) {
      boolean last = i == data.size() - 1 && trailers == null;
      frame(DATA, last ? END_STREAM : 0, stream, data.get(i).getBytes(StandardCharsets.UTF_8));
    }
    if (trailers != null) {
      frame(HEADERS, END_HEADERS | END_STREAM, stream, trailers);
    }
    out.flush();
    return read(stream);
  }

  private Exchange read(int stream) throws IOException, Http2Exception {
    Map<String, String> headers = null;
    Map<String, String> trailers = new LinkedHashMap<>();
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      Frame frame = Frame.read(in);
      int type = frame.type();
      int flags = frame.flags();
      int id = frame.stream();
      byte[] payload = frame.payload();
      int length = payload.length;
      switch (type) {
        case SETTINGS -> {
          if ((flags & ACK) == 0) {
            frame(SETTINGS, ACK, 0, new byte[0]);
            out.flush();
          }
        }
        case PING -> {
          if ((flags & ACK) == 0) {
            frame(PING, ACK, 0, payload);
            out.flush();
          }
        }
        case GOAWAY -> throw new IOException("GOAWAY: error " + readInt(payload, 4) + " "
            + new String(payload, 8, payload.length - 8, StandardCharsets.UTF_8));
        case RST_STREAM -> {
          if (id == stream) {
            return new Exchange(headers == null ? Map.of() : headers, body.toString(StandardCharsets.UTF_8), trailers,
                readInt(payload, 0));
          }
        }
        case HEADERS, CONTINUATION -> {
          if (id == stream) {
            if ((flags & END_HEADERS) == 0) {
              throw new IOException("header blocks split into CONTINUATION frames are not expected here");
            }
            Map<String, String> decoded = decode(id, frame.unpadded());
            if (headers == null) {
              headers = decoded;
            } else {
              trailers.putAll(decoded);
            }
            if ((flags & END_STREAM) != 0) {
              return new Exchange(headers, body.toString(StandardCharsets.UTF_8), trailers, null);
            }
          }
        }
        case DATA -> {
          if (id == stream) {
            byte[] data = frame.unpadded();
            body.write(data);
            if (length > 0) {
              // Keep the windows open for the next request.
              frame(WINDOW_UPDATE, 0, 0, intBytes(length));
              frame(WINDOW_UPDATE, 0, stream, intBytes(length));
              out.flush();
            }
            if ((flags & END_STREAM) != 0) {
              return new Exchange(headers, body.toString(StandardCharsets.UTF_8), trailers, null);
            }
          }
        }
        default -> { }
      }
    }
  }

  private Map<String, String> decode(int stream, byte[] block) throws Http2Exception {
    Http2Headers decoded = decoder.decodeHeaders(stream, Unpooled.wrappedBuffer(block));
    Map<String, String> out = new LinkedHashMap<>();
    decoded.forEach(e -> out.put(e.getKey().toString(), e.getValue().toString()));
    return out;
  }

  private void frame(int type, int flags, int stream, byte[] payload) throws IOException {
    write(out, type, flags, stream, payload);
  }

  /** One frame onto {@code out}. */
  static void write(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
    out.write(new byte[] {(byte) (payload.length >> 16), (byte) (payload.length >> 8), (byte) payload.length, (byte) type,
        (byte) flags});
    out.write(intBytes(stream));
    out.write(payload);
  }

  private static void string(ByteArrayOutputStream b, String s) {
    byte[] bytes = s.getBytes(StandardCharsets.ISO_8859_1);
    if (bytes.length >= 127) {
      throw new IllegalArgumentException("a test string under 127 bytes keeps the length one byte: " + s);
    }
    b.write(bytes.length);
    b.writeBytes(bytes);
  }

  static byte[] intBytes(int v) {
    return new byte[] {(byte) (v >> 24), (byte) (v >> 16), (byte) (v >> 8), (byte) v};
  }

  private static int readInt(byte[] b, int at) {
    return ((b[at] & 0xff) << 24) | ((b[at + 1] & 0xff) << 16) | ((b[at + 2] & 0xff) << 8) | (b[at + 3] & 0xff);
  }

  @Override
  public void close() throws IOException {
    socket.close();
  }
}
