package io.weft.proxy.outbound;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class OutboundTargetTest {
  private static Optional<OutboundTarget> parse(String authority) {
    return OutboundTarget.parse(authority, "cluster.local");
  }

  @Test
  void serviceNamesAreCompletedAsTheClusterDnsSearchPathWould() {
    assertThat(parse("web-svc.emojivoto")).contains(new OutboundTarget("web-svc.emojivoto", 80,
        Optional.of("web-svc.emojivoto.svc.cluster.local:80")));
    assertThat(parse("web-svc.emojivoto.svc:8080").orElseThrow().discoveryPath())
        .contains("web-svc.emojivoto.svc.cluster.local:8080");
    assertThat(parse("web-svc.emojivoto.svc.cluster.local.:80").orElseThrow().discoveryPath())
        .contains("web-svc.emojivoto.svc.cluster.local:80");
  }

  @Test
  void otherNamesAreNotTheMeshsToResolve() {
    assertThat(parse("api.example.com:443")).contains(new OutboundTarget("api.example.com", 443, Optional.empty()));
    assertThat(parse("cafe")).contains(new OutboundTarget("cafe", 80, Optional.empty())); // hex letters, still a name
  }

  @Test
  void aTwoLabelNameIsAskedAboutAsAServiceButKeptAsAddressedForTheFallback() {
    // example.com could be Service "example" in namespace "com"; if not, it is reached as example.com.
    assertThat(parse("example.com:443")).contains(new OutboundTarget("example.com", 443,
        Optional.of("example.com.svc.cluster.local:443")));
  }

  @Test
  void ipLiteralsAreAskedAboutByAddress() {
    assertThat(parse("10.1.2.3:8080").orElseThrow().discoveryPath()).contains("10.1.2.3:8080");
    assertThat(parse("[fd00::1]:80").orElseThrow().discoveryPath()).contains("[fd00:0:0:0:0:0:0:1]:80");
    assertThat(parse("10.1.2.300").orElseThrow().discoveryPath()).isEmpty(); // not an address: a (bad) name
  }

  @Test
  void badPortsAndEmptyAuthoritiesAreRefused() {
    assertThat(parse("web.ns:70000")).isEmpty();
    assertThat(parse("web.ns:8o")).isEmpty();
    assertThat(parse("web.ns:")).isEmpty();
    assertThat(parse("web.ns:123456")).isEmpty();
    assertThat(parse(" ")).isEmpty();
    assertThat(parse(null)).isEmpty();
  }
}
