package io.weft.protocol.transport;

import com.google.protobuf.InvalidProtocolBufferException;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Frames Linkerd's transport header: the ASCII preface {@code transport.l5d.io/v1\r\n\r\n},
 * a big-endian u32 length, then the protobuf {@link Header}. The raw stream follows it.
 */
public final class TransportHeaderCodec {
  public static final String ALPN = "transport.l5d.io/v1";
  private static final byte[] PREFACE = (ALPN + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
  /** Headers are a port and a name: anything larger is an attack or a bug. */
  public static final int MAX_HEADER_BYTES = 64 * 1024;

  private TransportHeaderCodec() {}

  public static byte[] encode(Header header) {
    byte[] body = header.toByteArray();
    return ByteBuffer.allocate(PREFACE.length + 4 + body.length).put(PREFACE).putInt(body.length).put(body).array();
  }

  /** A header and how many bytes of the input it used. */
  public record Decoded(Header header, int consumed) {}

  /**
   * Decodes a header at the start of {@code in} (position unchanged). Empty when more bytes are
   * needed; throws when the bytes cannot be a transport header.
   */
  public static Optional<Decoded> decode(ByteBuffer in) throws InvalidProtocolBufferException {
    ByteBuffer b = in.duplicate();
    int prefix = Math.min(b.remaining(), PREFACE.length);
    for (int i = 0; i < prefix; i++) {
      if (b.get(b.position() + i) != PREFACE[i]) {
        throw new InvalidProtocolBufferException("connection does not start with the transport header preface");
      }
    }
    if (b.remaining() < PREFACE.length + 4) {
      return Optional.empty();
    }
    b.position(b.position() + PREFACE.length);
    long length = Integer.toUnsignedLong(b.getInt());
    if (length > MAX_HEADER_BYTES) {
      throw new InvalidProtocolBufferException("transport header of " + length + " bytes exceeds " + MAX_HEADER_BYTES);
    }
    if (b.remaining() < length) {
      return Optional.empty();
    }
    ByteBuffer body = b.slice(b.position(), (int) length);
    return Optional.of(new Decoded(Header.parseFrom(body), PREFACE.length + 4 + (int) length));
  }
}
