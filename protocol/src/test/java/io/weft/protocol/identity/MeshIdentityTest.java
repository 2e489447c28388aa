package io.weft.protocol.identity;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class MeshIdentityTest {
  @Test
  void formatsAndParsesLinkerdNames() {
    MeshIdentity id = new MeshIdentity("web", "emojivoto", "linkerd", "cluster.local");
    assertThat(id.name()).isEqualTo("web.emojivoto.serviceaccount.identity.linkerd.cluster.local");
    assertThat(MeshIdentity.parse(id.name())).isEqualTo(id);
  }

  @Test
  void rejectsMalformedNamesWithTheReason() {
    assertThatThrownBy(() -> MeshIdentity.parse("web.emojivoto.svc.cluster.local")).hasMessageContaining("serviceaccount.identity");
    assertThatThrownBy(() -> new MeshIdentity("Web_1", "ns", "linkerd", "cluster.local")).hasMessageContaining("'Web_1'");
  }
}
