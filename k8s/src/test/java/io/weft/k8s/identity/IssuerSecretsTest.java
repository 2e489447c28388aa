package io.weft.k8s.identity;

import io.weft.protocol.identity.IssuerMaterial;
import io.fabric8.kubernetes.api.model.ConfigMapBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

/** Linkerd's issuer Secret and trust-roots ConfigMap, read through the API (mock server in CRUD mode). */
@EnableKubernetesMockClient(crud = true)
class IssuerSecretsTest {
  static KubernetesClient client;

  @Test
  void issuerSecretsReadLinkerdsSecretAndConfigMap() throws Exception {
    {
      IssuerSecrets secrets = new IssuerSecrets(client, "linkerd");
      assertThat(secrets.read()).isEmpty();

      client.secrets().inNamespace("linkerd").resource(new SecretBuilder().withNewMetadata().withName("linkerd-identity-issuer")
          .endMetadata().withData(Map.of("crt.pem", b64("ISSUER CERT"), "key.pem", b64("ISSUER KEY"))).build()).create();
      assertThat(secrets.read()).as("no trust roots yet").isEmpty();
      client.configMaps().inNamespace("linkerd").resource(new ConfigMapBuilder().withNewMetadata()
          .withName("linkerd-identity-trust-roots").endMetadata().withData(Map.of("ca-bundle.crt", "ANCHORS")).build()).create();
      assertThat(secrets.read()).contains(new IssuerMaterial("ANCHORS", "ISSUER CERT", "ISSUER KEY"));

      // cert-manager's kubernetes.io/tls layout, with its ca.crt when the ConfigMap has no bundle.
      client.configMaps().inNamespace("linkerd").withName("linkerd-identity-trust-roots").delete();
      client.secrets().inNamespace("linkerd").withName("linkerd-identity-issuer").delete();
      client.secrets().inNamespace("linkerd").resource(new SecretBuilder().withNewMetadata().withName("linkerd-identity-issuer")
          .endMetadata().withType("kubernetes.io/tls")
          .withData(Map.of("tls.crt", b64("TLS CERT"), "tls.key", b64("TLS KEY"), "ca.crt", b64("CA"))).build()).create();
      assertThat(secrets.read()).contains(new IssuerMaterial("CA", "TLS CERT", "TLS KEY"));
    }
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }
}
