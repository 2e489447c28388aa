package io.weft.k8s.local;

import com.fasterxml.jackson.databind.JsonNode;
import io.weft.k8s.model.EndpointSliceResource;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.PodResource;
import org.junit.jupiter.api.Test;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class LocalClusterModelTest {
  private static List<JsonNode> load(String yaml, ManifestSet set) {
    assertThat(set.load(Path.of("test.yaml"), yaml)).isEmpty();
    return set.documents();
  }

  private static final String APP = """
      apiVersion: v1
      kind: Service
      metadata: {name: api, namespace: shop}
      spec:
        selector: {app: api}
        ports: [{name: http, port: 80, targetPort: web}]
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: api-a, namespace: shop, labels: {app: api}}
      spec: {containers: [{name: c, ports: [{name: web, containerPort: 8080}]}]}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: api-b, namespace: shop, labels: {app: api}}
      spec: {containers: [{name: c, ports: [{name: web, containerPort: 9090}]}]}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: api-c, namespace: shop, labels: {app: api}, annotations: {weft.io/ready: "false"}}
      spec: {containers: [{name: c, ports: [{name: web, containerPort: 8080}]}]}
      ---
      apiVersion: v1
      kind: Pod
      metadata: {name: other, namespace: shop, labels: {app: other}}
      spec: {containers: [{name: c}]}
      """;

  @Test
  void slicesResolveNamedPortsPerPodAndCarryReadiness() {
    Map<io.weft.k8s.model.ResourceKey, KubeResource> objects = new LocalClusterModel("linkerd").build(load(APP, new ManifestSet()));
    List<EndpointSliceResource> slices = objects.values().stream().filter(EndpointSliceResource.class::isInstance)
        .map(EndpointSliceResource.class::cast).toList();
    // Two port sets (8080 and 9090), so two slices, as Kubernetes' controller would write.
    assertThat(slices).hasSize(2).allSatisfy(s -> assertThat(s.serviceName()).isEqualTo("api"));
    EndpointSliceResource on8080 = slices.stream().filter(s -> s.ports().getFirst().port() == 8080).findFirst().orElseThrow();
    assertThat(on8080.endpoints()).extracting(EndpointSliceResource.Endpoint::podName).containsExactlyInAnyOrder("api-a", "api-c");
    assertThat(on8080.endpoints()).filteredOn(e -> e.podName().equals("api-c")).singleElement()
        .satisfies(e -> assertThat(e.ready()).isFalse());
    assertThat(objects.values().stream().filter(PodResource.class::isInstance).map(p -> ((PodResource) p).podIP()).distinct().count())
        .isEqualTo(4);
  }

  @Test
  void podAddressesStayStableAcrossRebuilds() {
    LocalClusterModel model = new LocalClusterModel("linkerd");
    ManifestSet set = new ManifestSet();
    var first = model.build(load(APP, set));
    var second = model.build(load(APP.replace("name: other", "name: another"), set));
    PodResource a1 = (PodResource) first.values().stream().filter(r -> r.meta().name().equals("api-a")).findFirst().orElseThrow();
    PodResource a2 = (PodResource) second.values().stream().filter(r -> r.meta().name().equals("api-a")).findFirst().orElseThrow();
    assertThat(a2.podIP()).isEqualTo(a1.podIP());
  }

  @Test
  void aWorkloadWhoseSelectorMissesItsTemplateIsReported() {
    ManifestSet set = new ManifestSet();
    var problems = set.load(Path.of("bad.yaml"), """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: shop}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: api}}
            spec: {containers: [{name: c}]}
        """);
    assertThat(problems).singleElement().satisfies(p ->
        assertThat(p.toString()).contains("bad.yaml document 1").contains("spec.selector").contains("does not match"));
  }
}
