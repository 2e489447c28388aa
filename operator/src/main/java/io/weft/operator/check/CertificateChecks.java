package io.weft.operator.check;

import io.fabric8.kubernetes.api.model.Secret;
import io.weft.k8s.identity.SecretData;
import io.weft.protocol.identity.IssuerMaterial;
import io.weft.k8s.identity.IssuerSecrets;
import io.weft.operator.install.InstallManifests;
import io.weft.operator.install.InstallManifests.AdmissionWebhook;
import io.weft.protocol.identity.IdentityCertificateException;
import io.weft.protocol.identity.MeshKeys;
import io.weft.protocol.identity.Pem;
import io.weft.protocol.identity.PemKeys;
import io.weft.protocol.identity.TrustBundle;

import java.nio.charset.StandardCharsets;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Locale;

/**
 * The certificates everything rests on: {@code linkerd-identity} (trust anchors and issuer: parse,
 * algorithm, validity, 60-day warning, chaining) and {@code linkerd-webhooks-and-apisvc-tls} (each
 * webhook's serving certificate against the CA the API server was given).
 */
final class CertificateChecks {
  private static final String ROTATE_ISSUER = "rotate the issuer: put a new certificate and key from the same trust anchor "
      + "in Secret linkerd-identity-issuer (weft identity issuer makes one)";
  private static final String ROTATE_ANCHORS = "rotate the trust anchors: add the new anchor to ConfigMap "
      + "linkerd-identity-trust-roots next to the old one, move the issuer to it, then remove the old one";
  private static final String RENEW_WEBHOOKS = "issue a new webhook certificate: weft upgrade | kubectl apply -f - "
      + "(an upgrade renews one that is invalid or ends within 60 days)";
  private final CheckTarget target;
  private List<X509Certificate> anchors;
  private List<X509Certificate> issuerChain;

  CertificateChecks(CheckTarget target) {
    this.target = target;
  }

  Category identity() {
    return new Category("linkerd-identity", List.of(
        Check.of("certificate config is valid", "the issuer Secret needs crt.pem and key.pem (PEM) and the trust roots "
            + "ConfigMap ca-bundle.crt; weft upgrade --identity-*-file can write them", this::parse),
        Check.of("trust anchors are using supported crypto algorithm", "use ECDSA P-256 anchors (weft identity create)",
            () -> algorithm(anchors, "trust anchor")),
        Check.of("trust anchors are within their validity period", ROTATE_ANCHORS, () -> validNow(anchors, "trust anchor")),
        Check.of("trust anchors are valid for at least 60 days", ROTATE_ANCHORS, () -> notEndingSoon(anchors, "trust anchor")),
        Check.of("issuer cert is using supported crypto algorithm", "use an ECDSA P-256 issuer (weft identity issuer)",
            () -> algorithm(issuerChain.subList(0, 1), "issuer")),
        Check.of("issuer cert is within its validity period", ROTATE_ISSUER, () -> validNow(issuerChain.subList(0, 1), "issuer")),
        Check.of("issuer cert is valid for at least 60 days", ROTATE_ISSUER,
            () -> notEndingSoon(issuerChain.subList(0, 1), "issuer")),
        Check.of("issuer cert is issued by the trust anchor", "the issuer must be signed by one of the anchors in "
            + "linkerd-identity-trust-roots; " + ROTATE_ISSUER, () -> {
          try {
            new TrustBundle(anchors).verify(issuerChain, target.now);
          } catch (IdentityCertificateException e) {
            throw CheckProblem.error(e.getMessage());
          }
        })));
  }

  private void parse() throws CheckProblem {
    IssuerSecrets secrets = new IssuerSecrets(target.client, target.namespace);
    IssuerMaterial material = secrets.read().orElseThrow(() -> CheckProblem.error(secrets.describe()
        + " do not exist or lack the issuer certificate, its key or the trust anchors"));
    try {
      anchors = Pem.certificates(material.trustAnchorsPem(), "trust anchors");
      issuerChain = Pem.certificates(material.certificatePem(), "issuer certificate");
      PrivateKey key = PemKeys.privateKey(material.keyPem(), "issuer key");
      if (!MeshKeys.belongTogether(issuerChain.getFirst(), key)) {
        throw CheckProblem.error("the issuer key does not belong to the issuer certificate");
      }
      if (issuerChain.getFirst().getBasicConstraints() < 0) {
        throw CheckProblem.error("the issuer certificate is not a CA certificate");
      }
    } catch (IllegalArgumentException e) {
      throw CheckProblem.error(e.getMessage());
    }
  }

  private static void algorithm(List<X509Certificate> certificates, String what) throws CheckProblem {
    for (X509Certificate c : certificates) {
      if (!MeshKeys.isMeshKey(c)) {
        throw CheckProblem.error(what + " " + subject(c) + " has a " + c.getPublicKey().getAlgorithm()
            + " key; the mesh uses ECDSA P-256");
      }
    }
  }

  private void validNow(List<X509Certificate> certificates, String what) throws CheckProblem {
    for (X509Certificate c : certificates) {
      if (c.getNotBefore().toInstant().isAfter(target.now)) {
        throw CheckProblem.error(what + " " + subject(c) + " is not valid before " + c.getNotBefore().toInstant());
      }
      if (c.getNotAfter().toInstant().isBefore(target.now)) {
        throw CheckProblem.error(what + " " + subject(c) + " expired at " + c.getNotAfter().toInstant());
      }
    }
  }

  private void notEndingSoon(List<X509Certificate> certificates, String what) throws CheckProblem {
    Instant horizon = target.now.plus(target.settings.expiryWarning());
    for (X509Certificate c : certificates) {
      if (c.getNotAfter().toInstant().isBefore(horizon)) {
        throw CheckProblem.warning(what + " " + subject(c) + " will expire in " + target.durationUntil(c.getNotAfter().toInstant()));
      }
    }
  }

  Category webhooks() {
    List<Check> checks = new ArrayList<>();
    for (AdmissionWebhook webhook : AdmissionWebhook.values()) {
      String name = webhook.service.substring("linkerd-".length());
      checks.add(Check.of(name + " webhook has valid cert", RENEW_WEBHOOKS, () -> webhookCertificate(webhook, target.now)));
      checks.add(Check.of(name + " cert is valid for at least 60 days", RENEW_WEBHOOKS, () -> {
        try {
          webhookCertificate(webhook, target.now.plus(target.settings.expiryWarning()));
        } catch (CheckProblem e) {
          throw CheckProblem.warning(e.getMessage());
        }
      }));
    }
    return new Category("linkerd-webhooks-and-apisvc-tls", checks);
  }

  /** The serving certificate verifies, at {@code at}, against the CA the webhook's configuration gives the API server. */
  private void webhookCertificate(AdmissionWebhook webhook, Instant at) throws CheckProblem {
    Secret secret = target.client.secrets().inNamespace(target.namespace).withName(InstallManifests.WEBHOOK_SECRET).get();
    if (secret == null) {
      throw CheckProblem.error("Secret " + target.namespace + "/" + InstallManifests.WEBHOOK_SECRET + " does not exist");
    }
    String caBundle = new String(Base64.getDecoder().decode(caBundle(webhook)), StandardCharsets.UTF_8);
    try {
      webhook.verify(caBundle, SecretData.text(secret, "tls.crt"), target.namespace, at);
    } catch (IdentityCertificateException | IllegalArgumentException e) {
      throw CheckProblem.error(webhook.service + ": " + e.getMessage());
    }
  }

  private String caBundle(AdmissionWebhook webhook) throws CheckProblem {
    var admission = target.client.admissionRegistration().v1();
    List<String> bundles = webhook.configurationKind.equals("MutatingWebhookConfiguration")
        ? java.util.Optional.ofNullable(admission.mutatingWebhookConfigurations().withName(webhook.configuration).get())
            .map(c -> c.getWebhooks().stream().map(w -> w.getClientConfig().getCaBundle()).toList()).orElse(List.of())
        : java.util.Optional.ofNullable(admission.validatingWebhookConfigurations().withName(webhook.configuration).get())
            .map(c -> c.getWebhooks().stream().map(w -> w.getClientConfig().getCaBundle()).toList()).orElse(List.of());
    if (bundles.isEmpty() || bundles.getFirst() == null || bundles.getFirst().isEmpty()) {
      throw CheckProblem.error(webhook.configurationKind + " " + webhook.configuration + " does not exist or has no caBundle");
    }
    return bundles.getFirst();
  }

  private static String subject(X509Certificate certificate) {
    return certificate.getSubjectX500Principal().getName().toLowerCase(Locale.ROOT).startsWith("cn=")
        ? certificate.getSubjectX500Principal().getName().substring(3) : certificate.getSubjectX500Principal().getName();
  }
}
