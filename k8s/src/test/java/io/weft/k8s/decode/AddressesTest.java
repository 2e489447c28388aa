package io.weft.k8s.decode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.weft.k8s.model.EndpointSliceResource;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.ServiceResource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Every address a view reads is an IP address once decoded; anything else is refused with the field named. */
class AddressesTest {
  private static KubeResource decode(String yaml) throws Exception {
    JsonNode json = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    return ManifestDecoder.decode(ManifestDecoder.kindOf(json).orElseThrow(), json);
  }

  @Test
  void ipv4Ipv6AndHeadlessAreAddresses() throws Exception {
    assertThat(((PodResource) decode("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: ns}
        status: {podIP: "fd00::7"}
        """)).podIP()).isEqualTo("fd00::7");
    assertThat(((ServiceResource) decode("""
        apiVersion: v1
        kind: Service
        metadata: {name: s, namespace: ns}
        spec: {clusterIP: None, ports: [{port: 80}]}
        """)).clusterIP()).isEqualTo("None");
    assertThat(((EndpointSliceResource) decode("""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: e, namespace: ns, labels: {kubernetes.io/service-name: s}}
        addressType: IPv4
        endpoints: [{addresses: [10.0.0.7]}]
        ports: [{port: 80}]
        """)).endpoints().getFirst().addresses()).containsExactly("10.0.0.7");
  }

  @Test
  void anythingElseIsRefusedNamingTheField() {
    assertThatThrownBy(() -> decode("""
        apiVersion: v1
        kind: Pod
        metadata: {name: p, namespace: ns}
        status: {podIP: 10.0.0.300}
        """)).hasMessageContaining("status.podIP").hasMessageContaining("'10.0.0.300' is not an IP address");
    assertThatThrownBy(() -> decode("""
        apiVersion: v1
        kind: Service
        metadata: {name: s, namespace: ns}
        spec: {clusterIP: web.local, ports: [{port: 80}]}
        """)).hasMessageContaining("spec.clusterIP").hasMessageContaining("'web.local' is not an IP address");
    assertThatThrownBy(() -> decode("""
        apiVersion: discovery.k8s.io/v1
        kind: EndpointSlice
        metadata: {name: e, namespace: ns, labels: {kubernetes.io/service-name: s}}
        addressType: IPv4
        endpoints: [{addresses: [10.0.0.7]}, {addresses: ["1.2.3"]}]
        ports: [{port: 80}]
        """)).hasMessageContaining("endpoints[1].addresses[0]").hasMessageContaining("'1.2.3' is not an IP address");
  }
}
