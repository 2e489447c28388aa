package io.weft.k8s.decode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.weft.k8s.model.ResourceKind;
import io.weft.k8s.model.ServiceProfileResource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ServiceProfilesTest {
  private static ServiceProfileResource decode(String overrides) throws Exception {
    JsonNode json = new ObjectMapper(new YAMLFactory()).readTree("""
        apiVersion: linkerd.io/v1alpha2
        kind: ServiceProfile
        metadata: {name: web.shop.svc.cluster.local, namespace: shop}
        spec:
          dstOverrides:
        """ + overrides.indent(4));
    return (ServiceProfileResource) ManifestDecoder.decode(ResourceKind.SERVICE_PROFILE, json);
  }

  /** Linkerd's traffic-split docs write weights as quantities; Linkerd sends their thousandths. */
  @Test
  void dstOverrideWeightsAreQuantities() throws Exception {
    ServiceProfileResource profile = decode("""
        - {authority: web.shop.svc.cluster.local:80, weight: 500m}
        - {authority: web-v2.shop.svc.cluster.local:80, weight: 1}
        - {authority: web-v3.shop.svc.cluster.local:80, weight: "0.25"}
        """);
    assertThat(profile.dstOverrides()).extracting(ServiceProfileResource.WeightedDst::weight).containsExactly(500L, 1000L, 250L);
    assertThatThrownBy(() -> decode("- {authority: web.shop.svc.cluster.local:80, weight: half}"))
        .hasMessageContaining("spec.dstOverrides[0].weight").hasMessageContaining("not a quantity");
    assertThatThrownBy(() -> decode("- {authority: web.shop.svc.cluster.local:80, weight: -1}"))
        .hasMessageContaining("spec.dstOverrides[0].weight");
  }
}
