package io.weft.k8s.identity;

import io.weft.protocol.identity.IssuerMaterial;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.Optional;

/**
 * The issuer as Linkerd keeps it in the control-plane namespace: Secret
 * {@code linkerd-identity-issuer} ({@code crt.pem}/{@code key.pem}, or {@code tls.crt}/{@code tls.key}
 * with {@code ca.crt} when cert-manager writes it) and the trust anchors in ConfigMap
 * {@code linkerd-identity-trust-roots} ({@code ca-bundle.crt}).
 */
public final class IssuerSecrets implements IssuerSource {
  public static final String ISSUER_SECRET = "linkerd-identity-issuer";
  public static final String TRUST_ROOTS = "linkerd-identity-trust-roots";
  public static final String TRUST_BUNDLE_KEY = "ca-bundle.crt";

  private final KubernetesClient client;
  private final String namespace;

  public IssuerSecrets(KubernetesClient client, String namespace) {
    this.client = client;
    this.namespace = namespace;
  }

  @Override
  public Optional<IssuerMaterial> read() {
    Secret secret = client.secrets().inNamespace(namespace).withName(ISSUER_SECRET).get();
    ConfigMap roots = client.configMaps().inNamespace(namespace).withName(TRUST_ROOTS).get();
    if (secret == null || secret.getData() == null) {
      return Optional.empty();
    }
    boolean tlsScheme = secret.getData().containsKey("tls.crt");
    String certificate = SecretData.text(secret, tlsScheme ? "tls.crt" : "crt.pem");
    String key = SecretData.text(secret, tlsScheme ? "tls.key" : "key.pem");
    String anchors = roots != null && roots.getData() != null && roots.getData().containsKey(TRUST_BUNDLE_KEY)
        ? roots.getData().get(TRUST_BUNDLE_KEY) : SecretData.text(secret, "ca.crt");
    if (certificate.isEmpty() || key.isEmpty() || anchors.isEmpty()) {
      return Optional.empty();
    }
    return Optional.of(new IssuerMaterial(anchors, certificate, key));
  }

  @Override
  public String describe() {
    return "Secret " + namespace + "/" + ISSUER_SECRET + " and ConfigMap " + namespace + "/" + TRUST_ROOTS;
  }
}
