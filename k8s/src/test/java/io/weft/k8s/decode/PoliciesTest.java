package io.weft.k8s.decode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.weft.k8s.model.AuthorizationPolicyResource;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.MeshTlsAuthenticationResource;
import io.weft.k8s.model.NetworkAuthenticationResource;
import io.weft.k8s.model.PolicyRef;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** Linkerd's authorization resources as its documentation writes them, and what its validator refuses. */
class PoliciesTest {
  private static KubeResource decode(String yaml) throws Exception {
    JsonNode json = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    return ManifestDecoder.decode(ManifestDecoder.kindOf(json).orElseThrow(), json);
  }

  @Test
  void emojivotosPoliciesDecode() throws Exception {
    var policy = (AuthorizationPolicyResource) decode("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: allow-default-to-web, namespace: emojivoto}
        spec:
          targetRef: {group: policy.linkerd.io, kind: Server, name: web-http}
          requiredAuthenticationRefs:
          - {group: policy.linkerd.io, kind: MeshTLSAuthentication, name: default}
          - {group: policy.linkerd.io, kind: NetworkAuthentication, name: cluster, namespace: linkerd}
        """);
    assertThat(policy.target()).isEqualTo(new PolicyRef("policy.linkerd.io", "Server", "emojivoto", "web-http"));
    assertThat(policy.requiredAuthentications()).extracting(PolicyRef::namespace).containsExactly("emojivoto", "linkerd");

    var mesh = (MeshTlsAuthenticationResource) decode("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata: {name: default, namespace: emojivoto}
        spec:
          identities:
          - "foo.foo-ns.serviceaccount.identity.linkerd.cluster.local"
          - "*.emojivoto.serviceaccount.identity.linkerd.cluster.local"
        """);
    assertThat(mesh.identities()).hasSize(2);

    var network = (NetworkAuthenticationResource) decode("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: NetworkAuthentication
        metadata: {name: probes, namespace: emojivoto}
        spec:
          networks:
          - {cidr: 0.0.0.0/0, except: [10.1.0.0/16]}
          - cidr: ::/0
        """);
    assertThat(network.networks()).extracting(NetworkAuthenticationResource.Network::cidr).containsExactly("0.0.0.0/0", "::/0");
    assertThat(network.networks().getFirst().except()).containsExactly("10.1.0.0/16");
  }

  @Test
  void whatLinkerdsValidatorRefusesIsRefusedWithTheFieldNamed() {
    assertThatThrownBy(() -> decode("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: p, namespace: ns}
        spec:
          targetRef: {kind: Deployment, name: web}
        """)).hasMessageContaining("spec.targetRef.kind").hasMessageContaining("'Deployment' is not one of");
    assertThatThrownBy(() -> decode("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: p, namespace: ns}
        spec:
          targetRef: {kind: Namespace, name: ns}
          requiredAuthenticationRefs: [{kind: ServiceAccount, name: a}, {kind: MeshTLSAuthentication, name: b}]
        """)).hasMessageContaining("spec.requiredAuthenticationRefs").hasMessageContaining("at most one");
    assertThatThrownBy(() -> decode("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata: {name: m, namespace: ns}
        spec: {identities: ["Web.Shop"]}
        """)).hasMessageContaining("spec.identities[0]");
    assertThatThrownBy(() -> decode("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata: {name: m, namespace: ns}
        spec: {identityRefs: [{kind: Pod, name: web}]}
        """)).hasMessageContaining("spec.identityRefs[0].kind");
    assertThatThrownBy(() -> decode("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: NetworkAuthentication
        metadata: {name: n, namespace: ns}
        spec: {networks: [{cidr: 10.0.0.0/16, except: [10.1.0.0/24]}]}
        """)).hasMessageContaining("spec.networks[0].except[0]").hasMessageContaining("is not within 10.0.0.0/16");
    assertThatThrownBy(() -> decode("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: NetworkAuthentication
        metadata: {name: n, namespace: ns}
        spec: {networks: []}
        """)).hasMessageContaining("spec.networks").hasMessageContaining("at least one network");
  }
}
