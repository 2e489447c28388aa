package io.weft.protocol.detect;

import org.junit.jupiter.api.Test;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/** Against ClientHellos produced by the JDK's real TLS engine. */
class ClientHelloSnifferTest {
  /** The first bytes the JDK's TLS client sends, with {@code sni} as its server name (none if null). */
  static ByteBuffer clientHello(String sni) throws Exception {
    SSLContext context = SSLContext.getInstance("TLS");
    context.init(null, null, null);
    SSLEngine engine = context.createSSLEngine();
    engine.setUseClientMode(true);
    if (sni != null) {
      SSLParameters params = engine.getSSLParameters();
      params.setServerNames(List.of(new SNIHostName(sni)));
      engine.setSSLParameters(params);
    }
    ByteBuffer out = ByteBuffer.allocate(engine.getSession().getPacketBufferSize());
    engine.beginHandshake();
    engine.wrap(ByteBuffer.allocate(0), out);
    return out.flip();
  }

  @Test
  void readsTheServerNameOfARealClientHello() throws Exception {
    String identity = "web.emojivoto.serviceaccount.identity.linkerd.cluster.local";
    assertThat(ClientHelloSniffer.detect(clientHello(identity)))
        .isEqualTo(new ClientHelloSniffer.Result.ClientHello(Optional.of(identity)));
  }

  @Test
  void aHelloWithoutSniHasNoName() throws Exception {
    assertThat(ClientHelloSniffer.detect(clientHello(null)))
        .isEqualTo(new ClientHelloSniffer.Result.ClientHello(Optional.empty()));
  }

  @Test
  void waitsForTheWholeHelloAndRejectsOtherProtocols() throws Exception {
    ByteBuffer hello = clientHello("a.example");
    for (int cut = 1; cut < hello.remaining(); cut += 7) {
      assertThat(ClientHelloSniffer.detect(hello.slice(0, cut))).as("first %d bytes", cut)
          .isInstanceOf(ClientHelloSniffer.Result.NeedMore.class);
    }
    assertThat(ClientHelloSniffer.detect(ByteBuffer.wrap("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII))))
        .isInstanceOf(ClientHelloSniffer.Result.NotTls.class);
    assertThat(ClientHelloSniffer.detect(ByteBuffer.wrap(new byte[] {22, 9, 9, 0, 10})))
        .isInstanceOf(ClientHelloSniffer.Result.NotTls.class);
  }
}
