package io.weft.operator.admission;

import io.weft.operator.inject.InjectionSettings;
import io.weft.protocol.identity.CertificateAuthority;
import io.weft.protocol.identity.MeshKeys;
import io.weft.protocol.identity.MeshPki;
import io.weft.protocol.identity.Pem;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyStore;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

/**
 * What a webhook test needs: a serving certificate for localhost from a fresh anchor, the settings
 * that serve with it on an ephemeral port, and an HTTPS client that trusts only that anchor.
 */
public final class WebhookFixture implements AutoCloseable {
  private final String anchorsPem;
  private final String certificatePem;
  private final String keyPem;
  private final HttpClient client;

  public WebhookFixture() throws Exception {
    MeshPki pki = MeshPki.create("linkerd", "cluster.local", Instant.now(), Duration.ofDays(1), Duration.ofDays(1));
    KeyPair keys = MeshKeys.newKeyPair();
    var leaf = CertificateAuthority.leaf(pki.issuer(), keys.getPublic(), "localhost", Instant.now().minusSeconds(60),
        Duration.ofDays(1));
    anchorsPem = Pem.encode(List.of(pki.anchor().certificate()));
    certificatePem = Pem.encode(List.of(leaf, pki.issuer().certificate()));
    keyPem = Pem.encode(keys.getPrivate());
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    trust.setCertificateEntry("anchor", pki.anchor().certificate());
    TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ssl = SSLContext.getInstance("TLS");
    ssl.init(null, tmf.getTrustManagers(), null);
    client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).sslContext(ssl).build();
  }

  /** Served on 127.0.0.1, an ephemeral port, injecting with the defaults and this anchor. */
  public AdmissionWebhooks.Settings settings() {
    return new AdmissionWebhooks.Settings("127.0.0.1", 0, certificatePem, keyPem,
        InjectionSettings.defaults("1.0", anchorsPem, "weft/proxy-injector 1.0"));
  }

  public HttpResponse<String> post(URI uri, String body) throws Exception {
    return client.send(HttpRequest.newBuilder(uri).header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body)).build(), HttpResponse.BodyHandlers.ofString());
  }

  /** A review of a ReplicaSet's pod in {@code namespace}, as the API server sends it. */
  public static String podReview(String uid, String namespace) {
    return """
        {"apiVersion": "admission.k8s.io/v1", "kind": "AdmissionReview",
         "request": {"uid": "%s", "kind": {"group": "", "version": "v1", "kind": "Pod"}, "operation": "CREATE",
           "namespace": "%s",
           "object": {"apiVersion": "v1", "kind": "Pod",
             "metadata": {"generateName": "web-5d8f-", "labels": {"app": "web"},
               "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "web-5d8f", "uid": "x"}]},
             "spec": {"serviceAccountName": "web", "containers": [{"name": "web", "image": "example/web:1",
               "ports": [{"containerPort": 8080}]}]}}}}
        """.formatted(uid, namespace);
  }

  @Override
  public void close() {
    client.close();
  }
}
