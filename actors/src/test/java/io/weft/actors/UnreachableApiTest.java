package io.weft.actors;

import com.typesafe.config.ConfigFactory;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.weft.k8s.api.KubeApiBackend;
import io.weft.k8s.model.ResourceKind;
import org.junit.jupiter.api.Test;

import java.net.ServerSocket;
import java.util.EnumSet;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** With no Kubernetes API to read, the control plane does not serve a made-up empty cluster. */
class UnreachableApiTest {
  @Test
  void startFailsNamingTheApiInsteadOfServingAnEmptyView() throws Exception {
    int closedPort;
    try (ServerSocket s = new ServerSocket(0)) {
      closedPort = s.getLocalPort();
    }
    var config = ConfigFactory.parseString("weft.control-plane.initial-sync-timeout = 2s")
        .withFallback(TestConfigs.node(null, true));
    var api = new ConfigBuilder().withMasterUrl("https://127.0.0.1:" + closedPort).withTrustCerts(true).build();
    try (KubeApiBackend backend = new KubeApiBackend(api, EnumSet.of(ResourceKind.SERVICE),
        ControlPlaneSettings.from(config).kubernetes())) {
      assertThatThrownBy(() -> ControlPlane.start(config, backend, Optional.empty()))
          .hasMessageContaining("no initial state from Kubernetes API https://127.0.0.1:" + closedPort)
          .hasMessageContaining("within 2s");
    }
  }
}
