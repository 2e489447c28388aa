package io.weft.actors;

import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.Pod;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.Endpoint;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointBuilder;
import io.fabric8.kubernetes.api.model.discovery.v1.EndpointSliceBuilder;
import io.fabric8.kubernetes.client.Config;
import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.weft.k8s.api.KubeApiBackend;
import io.weft.k8s.model.ResourceKind;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.IntStream;

import static org.assertj.core.api.Assertions.assertThat;

/** The control plane on the Kubernetes API (fabric8's mock server in CRUD mode). */
@EnableKubernetesMockClient(crud = true)
class KubernetesApiDiscoveryTest {
  static KubernetesClient client;

  private static final String NS = "emojivoto";
  private static final String AUTHORITY = "emoji-svc." + NS + ".svc.cluster.local:8080";

  private TcpRelay relay;
  private KubeApiBackend backend;
  private ControlPlane controlPlane;

  @BeforeEach
  void start() throws IOException {
    URI api = URI.create(client.getConfiguration().getMasterUrl());
    relay = new TcpRelay(new InetSocketAddress("127.0.0.1", api.getPort()));
    Config viaRelay = new ConfigBuilder(client.getConfiguration())
        .withMasterUrl(api.getScheme() + "://127.0.0.1:" + relay.port()).build();
    backend = new KubeApiBackend(viaRelay, EnumSet.of(ResourceKind.SERVICE, ResourceKind.POD, ResourceKind.ENDPOINT_SLICE),
        ControlPlaneSettings.from(TestConfigs.node(null, true)).kubernetes());
    controlPlane = ControlPlane.start(TestConfigs.node(null, true), backend, Optional.empty());
  }

  @AfterEach
  void stop() throws IOException {
    controlPlane.close();
    backend.close();
    relay.close();
    client.discovery().v1().endpointSlices().inNamespace(NS).delete();
    client.pods().inNamespace(NS).delete();
    client.services().inNamespace(NS).delete();
  }

  private static Pod pod(int i) {
    return new PodBuilder().withNewMetadata().withName("emoji-" + i).withNamespace(NS)
        .addToLabels("app", "emoji-svc").addToLabels("linkerd.io/control-plane-ns", "linkerd").endMetadata()
        .withNewSpec().withServiceAccountName("emoji").endSpec()
        .withNewStatus().withPodIP("10.1.0." + i).withPhase("Running")
        .addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus().build();
  }

  private static void slice(int... pods) {
    List<Endpoint> endpoints = new ArrayList<>();
    for (int i : pods) {
      endpoints.add(new EndpointBuilder().withAddresses("10.1.0." + i).withNewConditions().withReady(true).endConditions()
          .withNewTargetRef().withKind("Pod").withName("emoji-" + i).withNamespace(NS).endTargetRef().build());
    }
    client.discovery().v1().endpointSlices().inNamespace(NS).resource(new EndpointSliceBuilder()
        .withNewMetadata().withName("emoji-svc-abcde").withNamespace(NS)
        .addToLabels("kubernetes.io/service-name", "emoji-svc").endMetadata()
        .withAddressType("IPv4").addNewPort().withName("grpc").withPort(8080).withProtocol("TCP").endPort()
        .withEndpoints(endpoints).build()).createOr(existing -> existing.update());
  }

  private static Set<String> addresses(int... pods) {
    return IntStream.of(pods).mapToObj(i -> "10.1.0." + i + ":8080").collect(Collectors.toSet());
  }

  private static void service() {
    client.services().inNamespace(NS).resource(new ServiceBuilder().withNewMetadata().withName("emoji-svc").withNamespace(NS).endMetadata()
        .withNewSpec().addToSelector("app", "emoji-svc").withClusterIP("10.96.0.10")
        .addNewPort().withName("grpc").withPort(8080).withTargetPort(new IntOrString(8080)).endPort().endSpec().build()).create();
  }

  /*
   * fabric8's mock server does not replay a watch from its resourceVersion (a real API server
   * does), so a write between a relist and the watch it opens is lost there until the next
   * resync. The control plane only starts serving once every kind is watched, and this test
   * writes nothing after a dropped watch's relist may still be under way: the drop comes last.
   */
  @Test
  void addRemoveDeleteAndResyncAfterADroppedWatch() {
    service();
    for (int i = 1; i <= 3; i++) {
      client.pods().inNamespace(NS).resource(pod(i)).create();
    }
    slice(1, 2, 3);

    try (DestinationWatch watch = new DestinationWatch(controlPlane.system(), controlPlane.destinationPort(), AUTHORITY)) {
      watch.awaitAddresses(addresses(1, 2, 3));
      // The pods may reach the index after the slice: the endpoints are sent again once their pods are known.
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() ->
          watch.endpoints().get("10.1.0.1:8080").getTlsIdentity().getDnsLikeIdentity().getName()
              .equals("emoji.emojivoto.serviceaccount.identity.linkerd.cluster.local"));

      // Scale down: Remove.
      slice(1, 2);
      client.pods().inNamespace(NS).withName("emoji-3").delete();
      watch.awaitAddresses(addresses(1, 2));
      assertThat(watch.received().getLast().getRemove().getAddrsCount()).isEqualTo(1);

      // Delete the Service: it no longer exists.
      client.services().inNamespace(NS).withName("emoji-svc").delete();
      watch.awaitNoEndpoints(false);
    }

    // The cluster IP resolves to the Service's endpoints; a pod IP to that pod.
    service();
    try (DestinationWatch byClusterIp = new DestinationWatch(controlPlane.system(), controlPlane.destinationPort(), "10.96.0.10:8080");
         DestinationWatch byPodIp = new DestinationWatch(controlPlane.system(), controlPlane.destinationPort(), "10.1.0.2:8080")) {
      byClusterIp.awaitAddresses(addresses(1, 2));
      byPodIp.awaitAddresses(addresses(2));
      assertThat(byPodIp.endpoints().get("10.1.0.2:8080").getMetricLabelsMap()).containsEntry("pod", "emoji-2");

      // The watch drops; meanwhile one endpoint goes and another comes. The relist catches up.
      int beforeTheDrop = byClusterIp.received().size();
      relay.cut();
      client.pods().inNamespace(NS).resource(pod(4)).create();
      slice(1, 4);
      client.pods().inNamespace(NS).withName("emoji-2").delete();
      relay.restore();
      byClusterIp.awaitAddresses(addresses(1, 4));
      // Nothing was lost, and the endpoint that never changed was never sent again.
      long addsOfOne = byClusterIp.received().stream().skip(beforeTheDrop).filter(u -> u.hasAdd())
          .flatMap(u -> u.getAdd().getAddrsList().stream())
          .filter(a -> a.getAddr().getIp().getIpv4() == 0x0a010001).count();
      assertThat(addsOfOne).isZero();
    }
    // The pod that came while the watch was down is known by its IP too.
    try (DestinationWatch byPodIp = new DestinationWatch(controlPlane.system(), controlPlane.destinationPort(), "10.1.0.4:8080")) {
      byPodIp.awaitAddresses(addresses(4));
      // The relist may bring the slice before the pod: the address is answered at once, its pod's
      // labels as soon as the pod is listed.
      org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(30)).until(() ->
          "emoji-4".equals(byPodIp.endpoints().get("10.1.0.4:8080").getMetricLabelsMap().get("pod")));
    }
  }
}
