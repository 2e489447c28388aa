package io.weft.actors.discovery;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class DestinationTargetTest {
  @Test
  void parsesServiceAuthoritiesAndAddresses() {
    assertThat(DestinationTarget.parse("web-svc.emojivoto.svc.cluster.local:8080", "cluster.local"))
        .isEqualTo(new DestinationTarget.ServicePort("emojivoto", "web-svc", 8080));
    assertThat(DestinationTarget.parse("web-svc.emojivoto.svc.cluster.local.", "cluster.local"))
        .isEqualTo(new DestinationTarget.ServicePort("emojivoto", "web-svc", 80));
    assertThat(DestinationTarget.parse("10.1.2.3:9090", "cluster.local")).isEqualTo(new DestinationTarget.Address("10.1.2.3", 9090));
    assertThat(DestinationTarget.parse("[fd00::1]:80", "cluster.local")).isInstanceOf(DestinationTarget.Address.class);
  }

  @Test
  void rejectsWhatIsNotAServiceOrAnAddress() {
    assertThatThrownBy(() -> DestinationTarget.parse("example.com:443", "cluster.local")).hasMessageContaining("not a service in this cluster");
    assertThatThrownBy(() -> DestinationTarget.parse("a.b.c.svc.cluster.local:80", "cluster.local")).hasMessageContaining("not a service");
    assertThatThrownBy(() -> DestinationTarget.parse("web.ns.svc.cluster.local:99999", "cluster.local")).hasMessageContaining("invalid port");
    assertThatThrownBy(() -> DestinationTarget.parse("", "cluster.local")).hasMessageContaining("empty");
  }
}
