package io.weft.cli;

import io.fabric8.kubernetes.api.model.Secret;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.weft.protocol.identity.CertificateAuthority;
import io.weft.protocol.identity.Issuer;
import io.weft.protocol.identity.MeshPki;
import io.weft.k8s.identity.SecretData;
import io.weft.protocol.identity.IssuerMaterial;
import io.weft.k8s.identity.IssuerSecrets;
import io.weft.operator.install.InstallManifests;
import io.weft.operator.install.InstallManifests.AdmissionWebhook;
import io.weft.operator.install.InstallManifests.Credentials;
import io.weft.protocol.identity.IdentityCertificateException;
import io.weft.protocol.identity.MeshKeys;
import io.weft.protocol.identity.Pem;
import io.weft.protocol.identity.PemKeys;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

/**
 * Where an install's secrets come from: made now (a new trust anchor and issuer, as Linkerd does
 * without identity files), the given identity files (checked as the control plane would), or, for
 * an upgrade, the cluster's current ones.
 */
final class InstallCredentials {
  /** Linkerd's validity for what the CLI generates. */
  private static final Duration VALIDITY = Duration.ofDays(365);
  /** A webhook certificate closer than this to its end is renewed by an upgrade ({@code weft check} warns then too). */
  static final Duration RENEW_BEFORE = Duration.ofDays(60);

  private InstallCredentials() {}

  /** A new trust anchor, issuer and webhook certificate. */
  static Credentials generate(String namespace, String trustDomain, Instant now) {
    MeshPki pki = MeshPki.create(namespace, trustDomain, now, VALIDITY, VALIDITY);
    return withWebhooks(new IssuerMaterial(Pem.encode(List.of(pki.anchor().certificate())),
        Pem.encode(List.of(pki.issuer().certificate())), Pem.encode(pki.issuer().key())), namespace, now);
  }

  /** The identity files given (all three or none), checked now; {@code null} when none were given. */
  static IssuerMaterial issuerFiles(Path trustAnchors, Path certificate, Path key, Instant now) {
    if (trustAnchors == null && certificate == null && key == null) {
      return null;
    }
    if (trustAnchors == null || certificate == null || key == null) {
      throw new IllegalArgumentException("--identity-trust-anchors-file, --identity-issuer-certificate-file and "
          + "--identity-issuer-key-file go together");
    }
    IssuerMaterial material = new IssuerMaterial(read(trustAnchors), read(certificate), read(key));
    // Refuse what the control plane would refuse, now rather than after kubectl apply.
    Issuer.load(material, now);
    return material;
  }

  /** These identity credentials and a new webhook certificate. */
  static Credentials withWebhooks(IssuerMaterial issuer, String namespace, Instant now) {
    CertificateAuthority.Credential ca = CertificateAuthority.trustAnchor("weft-webhooks." + namespace, now, VALIDITY);
    var keys = MeshKeys.newKeyPair();
    List<String> names = Arrays.stream(AdmissionWebhook.values()).map(w -> w.dnsName(namespace)).toList();
    var leaf = CertificateAuthority.leaf(ca, keys.getPublic(), names, now, VALIDITY);
    return new Credentials(issuer.trustAnchorsPem(), issuer.certificatePem(), issuer.keyPem(),
        Pem.encode(List.of(ca.certificate())), Pem.encode(List.of(leaf)), Pem.encode(keys.getPrivate()));
  }

  /**
   * The cluster's current credentials, for an upgrade: its issuer and trust roots (unless
   * {@code issuer} replaces them), and its webhook certificate while it stays valid for
   * {@link #RENEW_BEFORE} and names every webhook (else a new one).
   */
  static Credentials fromCluster(KubernetesClient client, String namespace, IssuerMaterial issuer, Instant now) {
    if (issuer == null) {
      IssuerSecrets secrets = new IssuerSecrets(client, namespace);
      issuer = secrets.read().orElseThrow(() -> new IllegalArgumentException("the cluster has no complete issuer in "
          + secrets.describe() + "; give --identity-trust-anchors-file, --identity-issuer-certificate-file and "
          + "--identity-issuer-key-file"));
    }
    Secret webhooks = client.secrets().inNamespace(namespace).withName(InstallManifests.WEBHOOK_SECRET).get();
    if (webhooks != null && webhookStillGood(webhooks, namespace, now)) {
      return new Credentials(issuer.trustAnchorsPem(), issuer.certificatePem(), issuer.keyPem(), SecretData.text(webhooks, "ca.crt"),
          SecretData.text(webhooks, "tls.crt"), SecretData.text(webhooks, "tls.key"));
    }
    return withWebhooks(issuer, namespace, now);
  }

  private static boolean webhookStillGood(Secret secret, String namespace, Instant now) {
    try {
      PemKeys.privateKey(SecretData.text(secret, "tls.key"), "webhook key");
      for (AdmissionWebhook webhook : AdmissionWebhook.values()) {
        webhook.verify(SecretData.text(secret, "ca.crt"), SecretData.text(secret, "tls.crt"), namespace, now.plus(RENEW_BEFORE));
      }
      return true;
    } catch (IdentityCertificateException | IllegalArgumentException e) {
      return false;
    }
  }

  private static String read(Path file) {
    try {
      return Files.readString(file);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("cannot read " + file + ": " + e.getMessage(), e);
    }
  }
}
