package io.weft.protocol;

import com.google.protobuf.InvalidProtocolBufferException;
import io.linkerd.proxy.destination.GetDestination;
import io.linkerd.proxy.destination.NoEndpoints;
import io.linkerd.proxy.destination.TlsIdentity;
import io.linkerd.proxy.destination.Update;
import io.linkerd.proxy.destination.WeightedAddr;
import io.linkerd.proxy.destination.WeightedAddrSet;
import io.linkerd.proxy.identity.CertifyRequest;
import io.weft.protocol.net.TcpAddresses;
import org.junit.jupiter.api.Test;

import java.util.HexFormat;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Pins the proxy API's wire format with bytes encoded by hand from Linkerd's field numbers, so a
 * renumbered field or changed type in our .proto files fails here.
 */
class WireFormatTest {
  private static final HexFormat HEX = HexFormat.of();

  // Update{add{addrs[{addr{ip{ipv4 10.1.2.3} port 8080} weight 10000}]}}
  //   IPAddress    0d 0302010a  (field 1, fixed32, little-endian u32 0x0a010203)
  //   TcpAddress   0a 05 <ip> 10 903f           (port 8080 as varint)
  //   WeightedAddr 0a 0a <tcp> 18 904e          (weight 10000 in field 3)
  //   WeightedAddrSet 0a 0f <addr>; Update 0a 11 <set>
  private static final String ADD_ONE = "0a110a0f0a0a0a050d0302010a10903f18904e";

  @Test
  void addDecodesFromLinkerdBytes() throws InvalidProtocolBufferException {
    Update update = Update.parseFrom(HEX.parseHex(ADD_ONE));
    assertThat(update.getUpdateCase()).isEqualTo(Update.UpdateCase.ADD);
    WeightedAddr addr = update.getAdd().getAddrs(0);
    assertThat(TcpAddresses.format(addr.getAddr())).isEqualTo("10.1.2.3:8080");
    assertThat(addr.getWeight()).isEqualTo(10000);
  }

  @Test
  void addEncodesToLinkerdBytes() {
    Update update = Update.newBuilder()
        .setAdd(WeightedAddrSet.newBuilder()
            .addAddrs(WeightedAddr.newBuilder().setAddr(TcpAddresses.of("10.1.2.3", 8080)).setWeight(10000)))
        .build();
    assertThat(HEX.formatHex(update.toByteArray())).isEqualTo(ADD_ONE);
  }

  @Test
  void noEndpointsIsFieldThree() throws InvalidProtocolBufferException {
    Update exists = Update.newBuilder().setNoEndpoints(NoEndpoints.newBuilder().setExists(true)).build();
    assertThat(HEX.formatHex(exists.toByteArray())).isEqualTo("1a020801");
    assertThat(Update.parseFrom(HEX.parseHex("1a00")).getNoEndpoints().getExists()).isFalse();
  }

  @Test
  void removeIsFieldTwo() throws InvalidProtocolBufferException {
    // Update{remove{addrs[{ip{ipv4 10.1.2.3} port 8080}]}}
    Update update = Update.parseFrom(HEX.parseHex("120c0a0a0a050d0302010a10903f"));
    assertThat(TcpAddresses.format(update.getRemove().getAddrs(0))).isEqualTo("10.1.2.3:8080");
  }

  @Test
  void tlsIdentityIsDnsLikeInFieldFive() throws InvalidProtocolBufferException {
    // WeightedAddr{tls_identity{dns_like_identity{name "a.b"}}}: 2a 07 0a 05 0a 03 "a.b"
    WeightedAddr addr = WeightedAddr.parseFrom(HEX.parseHex("2a070a050a03612e62"));
    assertThat(addr.getTlsIdentity().getStrategyCase()).isEqualTo(TlsIdentity.StrategyCase.DNS_LIKE_IDENTITY);
    assertThat(addr.getTlsIdentity().getDnsLikeIdentity().getName()).isEqualTo("a.b");
  }

  @Test
  void getDestinationFields() throws InvalidProtocolBufferException {
    // scheme "k8s" (1), path "a:80" (2), context_token "{}" (3)
    GetDestination get = GetDestination.parseFrom(HEX.parseHex("0a036b3873120461 3a3830 1a027b7d".replace(" ", "")));
    assertThat(get.getScheme()).isEqualTo("k8s");
    assertThat(get.getPath()).isEqualTo("a:80");
    assertThat(get.getContextToken()).isEqualTo("{}");
  }

  @Test
  void certifyRequestCarriesDerCsrInFieldThree() throws InvalidProtocolBufferException {
    CertifyRequest request = CertifyRequest.parseFrom(HEX.parseHex("0a0178120174" + "1a023082"));
    assertThat(request.getIdentity()).isEqualTo("x");
    assertThat(request.getToken().toStringUtf8()).isEqualTo("t");
    assertThat(HEX.formatHex(request.getCertificateSigningRequest().toByteArray())).isEqualTo("3082");
  }
}
