package io.weft.actors.cluster;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.weft.actors.ControlPlane;
import io.weft.actors.ControlPlaneSettings;
import io.weft.actors.TestConfigs;
import io.weft.k8s.MockKubeconfig;
import io.weft.k8s.local.LocalClusterBackend;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.typed.Cluster;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.StreamSupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Two control-plane nodes form one cluster by themselves through Pekko Management's cluster
 * bootstrap, finding each other as the pods the Kubernetes API (fabric8's mock server) lists with
 * the control plane's label; a pod of another component or not running is not a contact point.
 */
@EnableKubernetesMockClient(crud = true)
class ClusterBootstrapTest {
  static KubernetesClient client;

  @Test
  void twoNodesFindEachOtherThroughTheKubernetesApiAndFormOneCluster(@TempDir Path dir) throws Exception {
    Path kubeconfig = MockKubeconfig.write(dir.resolve("kubeconfig"), client);
    int[] management = {freePort(), freePort()};
    for (int i = 0; i < 2; i++) {
      pod("linkerd-control-plane-" + i, "destination", "Running", management[i]);
    }
    pod("linkerd-other", "web", "Running", freePort());
    pod("linkerd-control-plane-old", "destination", "Failed", freePort());

    List<ControlPlane> nodes = new ArrayList<>();
    try {
      for (int port : management) {
        Config config = ConfigFactory.parseString(String.join("\n",
                "weft.control-plane.cluster-bootstrap.enabled = on",
                "weft.control-plane.cluster-bootstrap.namespace = linkerd",
                "weft.control-plane.cluster-bootstrap.kubeconfig = \"" + kubeconfig + "\"",
                "pekko.management.http.hostname = 127.0.0.1",
                "pekko.management.http.port = " + port,
                "pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr = 2",
                "pekko.management.cluster.bootstrap.contact-point-discovery.interval = 200ms",
                "pekko.management.cluster.bootstrap.contact-point-discovery.stable-margin = 1s",
                "pekko.management.cluster.bootstrap.contact.probe-interval = 200ms"))
            .withFallback(TestConfigs.node(null, false));
        Path manifests = Files.createDirectories(dir.resolve("manifests-" + port));
        nodes.add(ControlPlane.start(config, new LocalClusterBackend(manifests, ControlPlaneSettings.from(config).localCluster()),
            Optional.empty()));
      }
      await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
        for (ControlPlane node : nodes) {
          var members = StreamSupport.stream(Cluster.get(node.system()).state().getMembers().spliterator(), false).toList();
          assertThat(members).hasSize(2).allSatisfy(m -> assertThat(m.status()).isEqualTo(MemberStatus.up()));
        }
      });
    } finally {
      nodes.forEach(ControlPlane::close);
    }
  }

  private static void pod(String name, String component, String phase, int managementPort) {
    client.pods().inNamespace("linkerd").resource(new PodBuilder().withNewMetadata().withName(name).withNamespace("linkerd")
        .addToLabels("linkerd.io/control-plane-component", component).endMetadata()
        .withNewSpec().addNewContainer().withName("control-plane").withImage("weft")
        .addNewPort().withName("management").withContainerPort(managementPort).endPort().endContainer().endSpec()
        .withNewStatus().withPhase(phase).withPodIP("127.0.0.1").endStatus().build()).create();
  }

  private static int freePort() throws java.io.IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
