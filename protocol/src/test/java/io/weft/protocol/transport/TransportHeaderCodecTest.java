package io.weft.protocol.transport;

import com.google.protobuf.InvalidProtocolBufferException;
import org.junit.jupiter.api.Test;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TransportHeaderCodecTest {
  @Test
  void framesPrefaceLengthAndMessage() {
    byte[] bytes = TransportHeaderCodec.encode(Header.newBuilder().setPort(8080).build());
    String preface = "transport.l5d.io/v1\r\n\r\n";
    assertThat(new String(bytes, 0, preface.length(), StandardCharsets.US_ASCII)).isEqualTo(preface);
    // length 3, then port 8080 as field 1 varint: 08 90 3f
    assertThat(HexFormat.of().formatHex(bytes, preface.length(), bytes.length)).isEqualTo("00000003" + "08903f");
  }

  @Test
  void decodesAcrossPartialReads() throws InvalidProtocolBufferException {
    Header header = Header.newBuilder().setPort(5432).setName("db.prod.svc.cluster.local")
        .setSessionProtocol(SessionProtocol.newBuilder().setHttp2(SessionProtocol.Http2.getDefaultInstance()))
        .build();
    byte[] framed = TransportHeaderCodec.encode(header);
    byte[] withPayload = ByteBuffer.allocate(framed.length + 3).put(framed).put(new byte[] {1, 2, 3}).array();
    for (int cut = 0; cut < framed.length; cut++) {
      assertThat(TransportHeaderCodec.decode(ByteBuffer.wrap(withPayload, 0, cut))).isEmpty();
    }
    TransportHeaderCodec.Decoded decoded = TransportHeaderCodec.decode(ByteBuffer.wrap(withPayload)).orElseThrow();
    assertThat(decoded.header()).isEqualTo(header);
    assertThat(decoded.consumed()).isEqualTo(framed.length);
  }

  @Test
  void rejectsOtherProtocolsAndOversizedHeaders() {
    assertThatThrownBy(() -> TransportHeaderCodec.decode(ByteBuffer.wrap("GET / HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII))))
        .hasMessageContaining("preface");
    ByteBuffer huge = ByteBuffer.allocate(40).put("transport.l5d.io/v1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)).putInt(1 << 20).flip();
    assertThatThrownBy(() -> TransportHeaderCodec.decode(huge)).hasMessageContaining("exceeds");
  }
}
