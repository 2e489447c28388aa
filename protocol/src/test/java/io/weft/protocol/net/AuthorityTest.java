package io.weft.protocol.net;

import org.junit.jupiter.api.Test;

import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class AuthorityTest {
  @Test
  void namesAndAddressesWithAndWithoutPorts() {
    assertThat(Authority.parse("web-svc.emojivoto:8080")).contains(new Authority("web-svc.emojivoto", 8080));
    assertThat(Authority.parse("web-svc.emojivoto.svc.cluster.local.")).contains(new Authority("web-svc.emojivoto.svc.cluster.local", 80));
    assertThat(Authority.parse(" 10.1.2.3:9090 ")).contains(new Authority("10.1.2.3", 9090));
    assertThat(Authority.parse("[fd00::1]:8080")).contains(new Authority("fd00:0:0:0:0:0:0:1", 8080));
    assertThat(Authority.parse("[fd00::1]")).contains(new Authority("fd00:0:0:0:0:0:0:1", 80));
    assertThat(Authority.parseWithPort("127.0.0.1:8086")).contains(new Authority("127.0.0.1", 8086));
  }

  @Test
  void anUnbracketedIpv6AddressIsAllHostNeverAHostAndAPort() {
    // Every colon of these belongs to the address: a port needs brackets (RFC 3986).
    assertThat(Authority.parse("fd00::1")).contains(new Authority("fd00:0:0:0:0:0:0:1", 80));
    assertThat(Authority.parse("fd00:0:0:0:0:0:0:1")).contains(new Authority("fd00:0:0:0:0:0:0:1", 80));
    assertThat(Authority.parse("fd00::1:8080")).contains(new Authority("fd00:0:0:0:0:0:1:8080", 80));
  }

  @Test
  void portsOutsideOneTo65535AndMalformedHostsAreRefused() {
    assertThat(Authority.parse("web:0")).isEmpty();
    assertThat(Authority.parse("web:65536")).isEmpty();
    assertThat(Authority.parse("web:80x")).isEmpty();
    assertThat(Authority.parse("web:")).isEmpty();
    assertThat(Authority.parse("")).isEmpty();
    assertThat(Authority.parse("[web]:80")).isEmpty();
    assertThat(Authority.parse("a/b:80")).isEmpty();
    assertThat(Authority.parse("user@web:80")).isEmpty();
    assertThat(Authority.parseWithPort("web")).isEmpty();
    assertThat(Authority.explain("web:99999")).contains("invalid port '99999'");
    assertThat(Authority.explain("")).contains("empty");
    assertThatThrownBy(() -> Authority.parseOrExplain("web:0")).hasMessageContaining("invalid port '0'");
    assertThatThrownBy(() -> new Authority("web", 0)).hasMessageContaining("port 0");
  }

  @Test
  void formatsIpv6InBrackets() {
    assertThat(new Authority("fd00:0:0:0:0:0:0:1", 80)).hasToString("[fd00:0:0:0:0:0:0:1]:80");
    assertThat(new Authority("web", 8080)).hasToString("web:8080");
  }

  @Test
  void buildsAndRecognisesServiceNames() {
    assertThat(Authority.serviceName("web", "shop", "cluster.local")).isEqualTo("web.shop.svc.cluster.local");
    assertThat(Authority.parseServiceName("web.shop.svc.cluster.local.", "cluster.local"))
        .contains(new Authority.ServiceName("web", "shop"));
    assertThat(Authority.parseServiceName("a.b.c.svc.cluster.local", "cluster.local")).isEmpty();
    assertThat(Authority.parseServiceName(".shop.svc.cluster.local", "cluster.local")).isEmpty();
    assertThat(Authority.parseServiceName("web.shop.svc.example.org", "cluster.local")).isEmpty();
    assertThat(Authority.parseServiceName("web.shop.svc.example.org", "example.org")).contains(new Authority.ServiceName("web", "shop"));
  }

  @Test
  void completesShortServiceNamesAsTheClustersSearchPathWould() {
    Optional<Authority.ServiceName> web = Optional.of(new Authority.ServiceName("web", "shop"));
    assertThat(new Authority("web.shop", 80).service("cluster.local")).isEqualTo(web);
    assertThat(new Authority("web.shop.svc", 80).service("cluster.local")).isEqualTo(web);
    assertThat(new Authority("web.shop.svc.cluster.local", 80).service("cluster.local")).isEqualTo(web);
    assertThat(new Authority("example.com.au", 80).service("cluster.local")).isEmpty();
    assertThat(new Authority("web", 80).service("cluster.local")).isEmpty();
    assertThat(new Authority("10.0.0.1", 80).service("cluster.local")).isEmpty();
  }
}
