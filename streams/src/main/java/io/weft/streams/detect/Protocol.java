package io.weft.streams.detect;

import io.weft.protocol.detect.ClientHelloSniffer;
import com.google.protobuf.InvalidProtocolBufferException;
import io.weft.protocol.detect.HttpSniffer;
import io.weft.protocol.transport.Header;
import io.weft.protocol.transport.TransportHeaderCodec;
import org.apache.pekko.util.ByteString;

import java.util.Optional;

/** What a connection speaks, decided from its first bytes. */
public sealed interface Protocol {
  record Http1() implements Protocol {}

  record Http2() implements Protocol {}

  /** A TLS ClientHello, with its server name when it sent one. */
  record Tls(Optional<String> serverName) implements Protocol {}

  /**
   * A peer proxy's transport header ({@code transport.l5d.io/v1}): the connection is for
   * {@code header.port} of this pod; {@code length} bytes of header precede the payload.
   */
  record Transport(Header header, int length) implements Protocol {}

  /** Anything else, including a client that said nothing before the detect timeout. */
  record Opaque() implements Protocol {}

  /** Empty while the bytes seen so far could still become one of the others. */
  static Optional<Protocol> of(ByteString prefix) {
    var bytes = prefix.toByteBuffer();
    try {
      var transport = TransportHeaderCodec.decode(bytes);
      if (transport.isEmpty()) {
        return Optional.empty(); // a prefix of the transport header preface
      }
      return Optional.of(new Transport(transport.get().header(), transport.get().consumed()));
    } catch (InvalidProtocolBufferException e) {
      // not a transport header: look further
    }
    var tls = ClientHelloSniffer.detect(bytes);
    if (tls instanceof ClientHelloSniffer.Result.ClientHello hello) {
      return Optional.of(new Tls(hello.serverName()));
    }
    return switch (HttpSniffer.detect(bytes)) {
      case HTTP2 -> Optional.of(new Http2());
      case HTTP1 -> Optional.of(new Http1());
      case NEED_MORE -> Optional.empty();
      case NOT_HTTP -> tls instanceof ClientHelloSniffer.Result.NeedMore ? Optional.empty() : Optional.of(new Opaque());
    };
  }

  /** The final decision: what is still undecided (timeout, end of input, size limit) is opaque. */
  static Protocol decide(ByteString prefix) {
    return of(prefix).orElseGet(Opaque::new);
  }
}
