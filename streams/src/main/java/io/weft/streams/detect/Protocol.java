package io.weft.streams.detect;

import io.weft.protocol.detect.ClientHelloSniffer;
import io.weft.protocol.detect.HttpSniffer;
import org.apache.pekko.util.ByteString;

import java.util.Optional;

/** What a connection speaks, decided from its first bytes. */
public sealed interface Protocol {
  record Http1() implements Protocol {}

  record Http2() implements Protocol {}

  /** A TLS ClientHello, with its server name when it sent one. */
  record Tls(Optional<String> serverName) implements Protocol {}

  /** Anything else, including a client that said nothing before the detect timeout. */
  record Opaque() implements Protocol {}

  /** Empty while the bytes seen so far could still become one of the others. */
  static Optional<Protocol> of(ByteString prefix) {
    var bytes = prefix.toByteBuffer();
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
