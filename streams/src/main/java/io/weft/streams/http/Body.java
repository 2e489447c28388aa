package io.weft.streams.http;

import org.apache.pekko.stream.javadsl.Source;
import org.apache.pekko.util.ByteString;

/**
 * A message's body as the proxy carries it: nothing, bytes already in hand, a stream of bytes (of
 * known length or not) passed through chunk by chunk, or a tunnel — the raw bytes of a connection
 * after a protocol upgrade (WebSocket), in both directions.
 */
public sealed interface Body {
  /** Its length in bytes, or -1 when not known before the end. */
  long length();

  Body EMPTY = new Empty();

  record Empty() implements Body {
    @Override
    public long length() {
      return 0;
    }
  }

  record Strict(ByteString bytes) implements Body {
    @Override
    public long length() {
      return bytes.size();
    }
  }

  /** {@code length}: -1 when unknown. The source can be run once. */
  record Streamed(Source<ByteString, ?> bytes, long length) implements Body {}

  /** The connection's bytes after an upgrade; unframed. */
  record Tunnel(Source<ByteString, ?> bytes) implements Body {
    @Override
    public long length() {
      return -1;
    }
  }

  static Body of(ByteString bytes) {
    return bytes.isEmpty() ? EMPTY : new Strict(bytes);
  }

  /** Whether the bytes can be sent again (a retry): they are in hand, not a stream that is being read. */
  default boolean replayable() {
    return this instanceof Empty || this instanceof Strict;
  }
}
