package io.weft.actors.identity;

import io.weft.protocol.identity.CertificateAuthority;
import io.weft.protocol.identity.Issuer;
import io.weft.protocol.identity.MeshPki;
import com.google.protobuf.ByteString;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.grpc.Status;
import io.linkerd.proxy.identity.CertifyRequest;
import io.linkerd.proxy.identity.CertifyResponse;
import io.linkerd.proxy.identity.IdentityClient;
import io.weft.actors.ControlPlane;
import io.weft.actors.ControlPlaneSettings;
import io.weft.actors.TestConfigs;
import io.weft.k8s.identity.LocalTokens;
import io.weft.k8s.local.LocalClusterBackend;
import io.weft.protocol.identity.CertificateRequests;
import io.weft.protocol.identity.TrustBundle;
import org.apache.pekko.grpc.GrpcClientSettings;
import io.grpc.StatusRuntimeException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/** Identity.Certify over real gRPC against a control plane whose issuer comes from files. */
class IdentityServiceTest {
  private static final String WEB = "web.emojivoto.serviceaccount.identity.linkerd.cluster.local";

  @TempDir Path manifests;
  @TempDir Path pki;
  private ControlPlane controlPlane;
  private IdentityClient client;
  private final LocalTokens tokens = LocalTokens.fromKeyFile(TestConfigs.TOKEN_KEY);

  private void start(io.weft.protocol.identity.IssuerFiles files) {
    java.util.List<String> settings = new java.util.ArrayList<>(files.settings());
    settings.add("weft.identity.reload-interval = 100ms");
    Config config = ConfigFactory.parseString(String.join("\n", settings))
        .withFallback(TestConfigs.node(null, true));
    controlPlane = ControlPlane.start(config, new LocalClusterBackend(manifests, ControlPlaneSettings.from(config).localCluster()),
        Optional.empty());
    client = IdentityClient.create(GrpcClientSettings.connectToServiceAt("127.0.0.1", controlPlane.destinationPort(),
        controlPlane.system()).withTls(false), controlPlane.system());
  }

  @AfterEach
  void stop() {
    if (client != null) {
      client.close();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void certifiesAProxyForItsServiceAccountFor24HoursWithSkewAllowance() throws Exception {
    MeshPki mesh = MeshPki.create("linkerd", "cluster.local", Instant.now(), Duration.ofDays(365), Duration.ofDays(30));
    start(mesh.write(pki));
    KeyPair keys = io.weft.protocol.identity.MeshKeys.newKeyPair();
    Instant before = Instant.now();

    CertifyResponse response = certify(request(WEB, CertificateRequests.create(keys, WEB), tokens.mint("emojivoto", "web")));

    X509Certificate leaf = parse(response.getLeafCertificate());
    assertThat(TrustBundle.dnsNames(leaf)).containsExactly(WEB);
    assertThat(leaf.getPublicKey()).isEqualTo(keys.getPublic());
    List<X509Certificate> chain = new ArrayList<>(List.of(leaf));
    response.getIntermediateCertificatesList().forEach(c -> chain.add(parse(c)));
    new TrustBundle(List.of(mesh.anchor().certificate())).verify(chain, Instant.now(), WEB);
    assertThat(leaf.getNotBefore().toInstant()).isBetween(before.minusSeconds(21), Instant.now().minusSeconds(19));
    assertThat(leaf.getNotAfter().toInstant()).isBetween(before.plus(Duration.ofHours(24)).minusSeconds(1),
        Instant.now().plus(Duration.ofHours(24)));
    assertThat(response.getValidUntil().getSeconds()).isEqualTo(leaf.getNotAfter().toInstant().getEpochSecond());
  }

  @Test
  void aServiceAccountWhoseIdentityOutgrowsACommonNameIsCertifiedByItsSanAlone() throws Exception {
    MeshPki mesh = MeshPki.create("linkerd", "cluster.local", Instant.now(), Duration.ofDays(365), Duration.ofDays(30));
    start(mesh.write(pki));
    KeyPair keys = io.weft.protocol.identity.MeshKeys.newKeyPair();
    String longName = "emoji-svc.emojivoto.serviceaccount.identity.linkerd.cluster.local";
    assertThat(longName).as("past X.509's 64-character common name").hasSizeGreaterThan(64);

    CertifyResponse response = certify(request(longName, CertificateRequests.create(keys, longName), tokens.mint("emojivoto", "emoji-svc")));

    X509Certificate leaf = parse(response.getLeafCertificate());
    assertThat(TrustBundle.dnsNames(leaf)).containsExactly(longName);
    assertThat(leaf.getSubjectX500Principal().getName()).as("an empty subject").isEmpty();
    assertThat(leaf.getCriticalExtensionOIDs()).as("so the SAN is critical").contains("2.5.29.17");
    List<X509Certificate> chain = new ArrayList<>(List.of(leaf));
    response.getIntermediateCertificatesList().forEach(c -> chain.add(parse(c)));
    new TrustBundle(List.of(mesh.anchor().certificate())).verify(chain, Instant.now(), longName);
  }

  @Test
  void eachBadInputGetsItsOwnStatusAndTheServiceKeepsServing() throws Exception {
    start(MeshPki.create("linkerd", "cluster.local", Instant.now(), Duration.ofDays(365), Duration.ofDays(30)).write(pki));
    KeyPair keys = io.weft.protocol.identity.MeshKeys.newKeyPair();
    byte[] csr = CertificateRequests.create(keys, WEB);
    String token = tokens.mint("emojivoto", "web");

    assertRefused(request("web.emojivoto", csr, token), Status.Code.INVALID_ARGUMENT, "not a mesh identity");
    assertRefused(request(WEB, "not a CSR".getBytes(StandardCharsets.UTF_8), token), Status.Code.INVALID_ARGUMENT,
        "not a DER-encoded PKCS#10");
    String voting = "voting.emojivoto.serviceaccount.identity.linkerd.cluster.local";
    assertRefused(request(WEB, CertificateRequests.create(keys, voting), token), Status.Code.FAILED_PRECONDITION,
        "the CSR asks for " + voting);
    assertRefused(request("web.emojivoto.serviceaccount.identity.other.cluster.local",
            CertificateRequests.create(keys, "web.emojivoto.serviceaccount.identity.other.cluster.local"), token),
        Status.Code.FAILED_PRECONDITION, "issues identities under linkerd.cluster.local");
    assertRefused(request(WEB, csr, ""), Status.Code.UNAUTHENTICATED, "no service-account token");
    String forged = new LocalTokens(new byte[32]).mint("emojivoto", "web");
    assertRefused(request(WEB, csr, forged), Status.Code.UNAUTHENTICATED, "signature does not match");
    assertRefused(request(WEB, csr, tokens.mint("emojivoto", "voting")), Status.Code.PERMISSION_DENIED,
        "service account emojivoto/voting");

    assertThat(TrustBundle.dnsNames(parse(certify(request(WEB, csr, token)).getLeafCertificate()))).containsExactly(WEB);
  }

  @Test
  void withoutAnIssuerCertifyIsUnavailableUntilOneIsWritten() throws Exception {
    io.weft.protocol.identity.IssuerFiles later = new io.weft.protocol.identity.IssuerFiles(pki.resolve(MeshPki.ANCHOR_CERTIFICATE),
        pki.resolve(MeshPki.ISSUER_CERTIFICATE), pki.resolve(MeshPki.ISSUER_KEY));
    start(later);
    KeyPair keys = io.weft.protocol.identity.MeshKeys.newKeyPair();
    CertifyRequest request = request(WEB, CertificateRequests.create(keys, WEB), tokens.mint("emojivoto", "web"));
    assertRefused(request, Status.Code.UNAVAILABLE, "cert issuer not ready yet");

    MeshPki.create("linkerd", "cluster.local", Instant.now(), Duration.ofDays(365), Duration.ofDays(30)).write(pki);
    await().atMost(30, TimeUnit.SECONDS).ignoreExceptions().until(() -> !certify(request).getLeafCertificate().isEmpty());
  }

  @Test
  void aNewIssuerIsUsedOnlyWhenItChainsToATrustedAnchor() throws Exception {
    Instant now = Instant.now();
    MeshPki mesh = MeshPki.create("linkerd", "cluster.local", now, Duration.ofDays(365), Duration.ofDays(30));
    start(mesh.write(pki));
    KeyPair keys = io.weft.protocol.identity.MeshKeys.newKeyPair();
    CertifyRequest request = request(WEB, CertificateRequests.create(keys, WEB), tokens.mint("emojivoto", "web"));
    assertThat(issuerOf(certify(request))).isEqualTo(mesh.issuer().certificate());

    // An issuer from another anchor, with the bundle still naming only the old anchor: refused.
    MeshPki stranger = MeshPki.create("linkerd", "cluster.local", now, Duration.ofDays(365), Duration.ofDays(30));
    Files.writeString(pki.resolve(MeshPki.ISSUER_KEY), io.weft.protocol.identity.Pem.encode(stranger.issuer().key()));
    Files.writeString(pki.resolve(MeshPki.ISSUER_CERTIFICATE),
        io.weft.protocol.identity.Pem.encode(List.of(stranger.issuer().certificate())));
    await().atMost(30, TimeUnit.SECONDS).until(() -> controlPlane.identity().issuerState().toCompletableFuture().get()
        .refusal().filter(r -> r.contains("does not chain to a trusted anchor")).isPresent());
    assertThat(issuerOf(certify(request))).isEqualTo(mesh.issuer().certificate());

    // A new issuer from the same anchor: used from the next reload on.
    MeshPki rotated = mesh.withNewIssuer("identity.linkerd.cluster.local", now, Duration.ofDays(30));
    rotated.write(pki);
    await().atMost(30, TimeUnit.SECONDS).until(() -> issuerOf(certify(request)).equals(rotated.issuer().certificate()));
  }

  private static CertifyRequest request(String identity, byte[] csr, String token) {
    return CertifyRequest.newBuilder().setIdentity(identity).setCertificateSigningRequest(ByteString.copyFrom(csr))
        .setToken(ByteString.copyFromUtf8(token)).build();
  }

  private CertifyResponse certify(CertifyRequest request) throws Exception {
    return client.certify(request).toCompletableFuture().get(30, TimeUnit.SECONDS);
  }

  private void assertRefused(CertifyRequest request, Status.Code code, String message) {
    assertThatThrownBy(() -> certify(request)).isInstanceOf(ExecutionException.class).cause()
        .isInstanceOfSatisfying(StatusRuntimeException.class, e -> {
          assertThat(e.getStatus().getCode()).isEqualTo(code);
          assertThat(e.getStatus().getDescription()).contains(message);
        });
  }

  private static X509Certificate issuerOf(CertifyResponse response) {
    return parse(response.getIntermediateCertificates(0));
  }

  private static X509Certificate parse(ByteString der) {
    try {
      return (X509Certificate) CertificateFactory.getInstance("X.509").generateCertificate(new ByteArrayInputStream(der.toByteArray()));
    } catch (java.security.cert.CertificateException e) {
      throw new AssertionError(e);
    }
  }
}
