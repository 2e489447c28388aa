package io.weft.proxy;

import io.grpc.netty.shaded.io.netty.buffer.Unpooled;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.DefaultHttp2HeadersDecoder;
import io.grpc.netty.shaded.io.netty.handler.codec.http2.Http2Headers;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * An HTTP/2 server (prior knowledge) written frame by frame, for what Pekko's server cannot show:
 * a request's trailers. Each request is answered with what arrived — body, trailers, {@code te} —
 * as {@code got <body> trailers=<name:value,...> te=<te>}, ending with a trailer of its own
 * ({@code x-app-trailer: done}); every request's path is kept in {@link #seen()}.
 */
public final class RawHttp2Server implements AutoCloseable {
  private final ServerSocket server;
  private final Queue<String> seen = new ConcurrentLinkedQueue<>();

  public RawHttp2Server() throws IOException {
    server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    Thread.ofVirtual().start(() -> {
      while (!server.isClosed()) {
        try {
          Socket socket = server.accept();
          Thread.ofVirtual().start(() -> serve(socket));
        } catch (IOException e) {
          // closed
        }
      }
    });
  }

  public int port() {
    return server.getLocalPort();
  }

  public Queue<String> seen() {
    return seen;
  }

  private record Stream(Map<String, String> headers, ByteArrayOutputStream body, Map<String, String> trailers) {}

  private void serve(Socket socket) {
    try (socket) {
      DataInputStream in = new DataInputStream(socket.getInputStream());
      OutputStream out = socket.getOutputStream();
      in.readNBytes(24); // the client's preface
      frame(out, 0x4, 0, 0, new byte[0]);
      DefaultHttp2HeadersDecoder decoder = new DefaultHttp2HeadersDecoder(false);
      Map<Integer, Stream> streams = new HashMap<>();
      while (true) {
        RawHttp2.Frame frame = RawHttp2.Frame.read(in);
        int flags = frame.flags();
        int id = frame.stream();
        byte[] payload = frame.payload();
        switch (frame.type()) {
          case 0x4 -> {
            if ((flags & 0x1) == 0) {
              frame(out, 0x4, 0x1, 0, new byte[0]);
            }
          }
          case 0x6 -> {
            if ((flags & 0x1) == 0) {
              frame(out, 0x6, 0x1, 0, payload);
            }
          }
          case 0x1 -> {
            Http2Headers decoded = decoder.decodeHeaders(id, Unpooled.wrappedBuffer(frame.unpadded()));
            Map<String, String> fields = new LinkedHashMap<>();
            decoded.forEach(e -> fields.put(e.getKey().toString(), e.getValue().toString()));
            Stream stream = streams.get(id);
            if (stream == null) {
              stream = new Stream(fields, new ByteArrayOutputStream(), new LinkedHashMap<>());
              streams.put(id, stream);
              seen.add(fields.getOrDefault(":path", "(none)"));
            } else {
              stream.trailers().putAll(fields);
            }
            if ((flags & 0x1) != 0) {
              answer(out, id, streams.remove(id));
            }
          }
          case 0x0 -> {
            Stream stream = streams.get(id);
            if (stream != null) {
              stream.body().writeBytes(frame.unpadded());
            }
            if (payload.length > 0) {
              frame(out, 0x8, 0, 0, RawHttp2.intBytes(payload.length));
              frame(out, 0x8, 0, id, RawHttp2.intBytes(payload.length));
            }
            if ((flags & 0x1) != 0 && stream != null) {
              answer(out, id, streams.remove(id));
            }
          }
          default -> { }
        }
        out.flush();
      }
    } catch (Exception e) {
      // the connection ended
    }
  }

  private static void answer(OutputStream out, int id, Stream stream) throws IOException {
    StringBuilder trailers = new StringBuilder();
    stream.trailers().forEach((k, v) -> trailers.append(trailers.isEmpty() ? "" : ",").append(k).append(':').append(v));
    String body = "got " + stream.body().toString(StandardCharsets.UTF_8)
        + (trailers.isEmpty() ? "" : " trailers=" + trailers) + " te=" + stream.headers().getOrDefault("te", "-");
    frame(out, 0x1, 0x4, id, RawHttp2.block(List.<String[]>of(new String[] {":status", "200"},
        new String[] {"content-type", "text/plain"})));
    frame(out, 0x0, 0, id, body.getBytes(StandardCharsets.UTF_8));
    frame(out, 0x1, 0x5, id, RawHttp2.block(List.<String[]>of(new String[] {"x-app-trailer", "done"})));
  }

  private static void frame(OutputStream out, int type, int flags, int stream, byte[] payload) throws IOException {
    RawHttp2.write(out, type, flags, stream, payload);
  }

  @Override
  public void close() throws IOException {
    server.close();
  }
}
