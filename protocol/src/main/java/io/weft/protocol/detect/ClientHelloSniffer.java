package io.weft.protocol.detect;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Optional;

/**
 * Reads the server name (SNI) of a TLS ClientHello at the start of a connection, without consuming
 * it: the inbound proxy uses it to tell mesh TLS addressed to its own identity from anything else.
 */
public final class ClientHelloSniffer {
  /** The outcome: {@code NEED_MORE}, {@code NOT_TLS}, or a ClientHello with its SNI (empty when it sent none). */
  public sealed interface Result {
    record NeedMore() implements Result {}

    record NotTls() implements Result {}

    record ClientHello(Optional<String> serverName) implements Result {}
  }

  private static final int HANDSHAKE = 22;
  private static final int CLIENT_HELLO = 1;
  private static final int SERVER_NAME_EXTENSION = 0;
  private static final int HOST_NAME = 0;
  /** A ClientHello larger than this is not waited for (Linkerd peeks 512 bytes, buffers up to 8 KiB). */
  public static final int MAX_HELLO = 16 * 1024;

  private ClientHelloSniffer() {}

  public static Result detect(ByteBuffer in) {
    ByteBuffer b = in.duplicate();
    if (b.remaining() < 1) {
      return new Result.NeedMore();
    }
    if ((b.get(b.position()) & 0xff) != HANDSHAKE) {
      return new Result.NotTls();
    }
    if (b.remaining() < 5) {
      return new Result.NeedMore();
    }
    b.get();
    int major = b.get() & 0xff;
    b.get(); // minor: any TLS 1.x record version
    int recordLength = b.getShort() & 0xffff;
    if (major != 3 || recordLength < 4 || recordLength > MAX_HELLO) {
      return new Result.NotTls();
    }
    if (b.remaining() < 4) {
      return new Result.NeedMore();
    }
    if ((b.get() & 0xff) != CLIENT_HELLO) {
      return new Result.NotTls();
    }
    int helloLength = ((b.get() & 0xff) << 16) | ((b.get() & 0xff) << 8) | (b.get() & 0xff);
    if (helloLength > MAX_HELLO) {
      return new Result.NotTls();
    }
    // A hello may span several records; reading the first record's part is enough for the SNI in practice,
    // but wait for the whole hello when it fits in the first record.
    int available = Math.min(helloLength, recordLength - 4);
    if (b.remaining() < available) {
      return new Result.NeedMore();
    }
    ByteBuffer hello = b.slice(b.position(), available);
    try {
      return new Result.ClientHello(serverName(hello));
    } catch (RuntimeException e) {
      return new Result.NotTls(); // truncated or malformed fields
    }
  }

  private static Optional<String> serverName(ByteBuffer h) {
    h.position(h.position() + 2 + 32); // client_version, random
    skip(h, h.get() & 0xff); // session_id
    skip(h, h.getShort() & 0xffff); // cipher_suites
    skip(h, h.get() & 0xff); // compression_methods
    if (!h.hasRemaining()) {
      return Optional.empty(); // no extensions at all
    }
    int extensionsEnd = (h.getShort() & 0xffff) + h.position();
    while (h.position() + 4 <= extensionsEnd) {
      int type = h.getShort() & 0xffff;
      int length = h.getShort() & 0xffff;
      if (type != SERVER_NAME_EXTENSION) {
        skip(h, length);
        continue;
      }
      int listEnd = (h.getShort() & 0xffff) + h.position();
      while (h.position() + 3 <= listEnd) {
        int nameType = h.get() & 0xff;
        int nameLength = h.getShort() & 0xffff;
        if (nameType == HOST_NAME) {
          byte[] name = new byte[nameLength];
          h.get(name);
          return Optional.of(new String(name, StandardCharsets.US_ASCII));
        }
        skip(h, nameLength);
      }
      return Optional.empty();
    }
    return Optional.empty();
  }

  private static void skip(ByteBuffer b, int n) {
    b.position(b.position() + n);
  }
}
