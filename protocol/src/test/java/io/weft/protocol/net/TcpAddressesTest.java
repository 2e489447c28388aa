package io.weft.protocol.net;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class TcpAddressesTest {
  @Test
  void roundTripsV4AndV6() {
    assertThat(TcpAddresses.format(TcpAddresses.of("127.0.1.7", 80))).isEqualTo("127.0.1.7:80");
    assertThat(TcpAddresses.of("127.0.1.7", 80).getIp().getIpv4()).isEqualTo(0x7f000107);
    assertThat(TcpAddresses.format(TcpAddresses.of("fd00::1", 8080))).isEqualTo("[fd00:0:0:0:0:0:0:1]:8080");
  }

  @Test
  void neverResolvesNames() {
    assertThat(TcpAddresses.isIpLiteral("web.emojivoto.svc.cluster.local")).isFalse();
    assertThat(TcpAddresses.isIpLiteral("300.1.1.1")).isFalse();
    assertThatThrownBy(() -> TcpAddresses.of("localhost", 1)).hasMessageContaining("not an IP address");
  }
}
