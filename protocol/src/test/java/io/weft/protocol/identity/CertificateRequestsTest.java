package io.weft.protocol.identity;

import org.bouncycastle.asn1.pkcs.PKCSObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;
import org.bouncycastle.pkcs.PKCS10CertificationRequest;
import org.bouncycastle.pkcs.jcajce.JcaPKCS10CertificationRequestBuilder;
import org.junit.jupiter.api.Test;

import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The proxy's own DER for its CSR and its own PEM reading, held to what Bouncy Castle writes and reads. */
class CertificateRequestsTest {
  private static final String SHORT = "web.emojivoto.serviceaccount.identity.linkerd.cluster.local";
  private static final String LONG = "a-service-account-name-far-past-sixty-four-characters.emojivoto.serviceaccount.identity.linkerd.cluster.local";

  /** The request Bouncy Castle's builder writes for the same key and name. */
  private static PKCS10CertificationRequest bouncyCastles(KeyPair keys, String name) throws Exception {
    ExtensionsGenerator extensions = new ExtensionsGenerator();
    extensions.addExtension(Extension.subjectAlternativeName, Subjects.sanCritical(name),
        new GeneralNames(new GeneralName(GeneralName.dNSName, name)));
    return new JcaPKCS10CertificationRequestBuilder(CertificateAuthority.subject(name), keys.getPublic())
        .addAttribute(PKCSObjectIdentifiers.pkcs_9_at_extensionRequest, extensions.generate())
        .build(new JcaContentSignerBuilder(MeshKeys.SIGNATURE).build(keys.getPrivate()));
  }

  @Test
  void theRequestIsWhatBouncyCastleWritesAndItsSignatureVerifies() throws Exception {
    for (String name : List.of(SHORT, LONG)) {
      KeyPair keys = MeshKeys.newKeyPair();
      byte[] ours = CertificateRequests.create(keys, name);
      // Everything but the signature (ECDSA's is randomized) is the same bytes.
      assertThat(new PKCS10CertificationRequest(ours).toASN1Structure().getCertificationRequestInfo().getEncoded())
          .as(name).isEqualTo(bouncyCastles(keys, name).toASN1Structure().getCertificationRequestInfo().getEncoded());
      CertificateRequests.Request parsed = CertificateRequests.parse(ours);
      assertThat(parsed.publicKey()).isEqualTo(keys.getPublic());
      assertThat(parsed.dnsNames()).containsExactly(name);
    }
  }

  @Test
  void aRequestIsCertifiedWithItsNameAndKey() {
    KeyPair keys = MeshKeys.newKeyPair();
    MeshPki pki = MeshPki.create("linkerd", "cluster.local", Instant.now(), Duration.ofDays(2), Duration.ofDays(1));
    CertificateRequests.Request request = CertificateRequests.parse(CertificateRequests.create(keys, SHORT));
    X509Certificate leaf = CertificateAuthority.leaf(pki.issuer(), request.publicKey(), request.dnsNames(), Instant.now(),
        Duration.ofHours(1));
    assertThat(TrustBundle.dnsNames(leaf)).containsExactly(SHORT);
    assertThat(leaf.getPublicKey()).isEqualTo(keys.getPublic());
  }

  @Test
  void pemCertificatesAreReadInOrderAndWhatIsNotOneIsRefusedByName() {
    MeshPki pki = MeshPki.create("linkerd", "cluster.local", Instant.now(), Duration.ofDays(2), Duration.ofDays(1));
    List<X509Certificate> chain = List.of(pki.issuer().certificate(), pki.anchor().certificate());
    String pem = "a comment before\n" + Pem.encode(chain) + "and after\n";
    assertThat(Pem.certificates(pem, "the bundle")).containsExactlyElementsOf(chain);

    String key = Pem.encode(MeshKeys.newKeyPair().getPrivate());
    assertThatThrownBy(() -> Pem.certificates(Pem.encode(chain) + key, "the bundle"))
        .hasMessage("the bundle: expected only CERTIFICATE blocks, found PRIVATE KEY");
    assertThatThrownBy(() -> Pem.certificates("nothing here", "the bundle")).hasMessage("the bundle: no certificate found");
    String cut = Pem.encode(chain).substring(0, Pem.encode(chain).lastIndexOf("-----END"));
    assertThatThrownBy(() -> Pem.certificates(cut, "the bundle"))
        .hasMessage("the bundle: not PEM-encoded certificates (no END line for its CERTIFICATE block)");
    assertThatThrownBy(() -> Pem.certificates("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", "the bundle"))
        .hasMessageStartingWith("the bundle: not PEM-encoded certificates (");
  }

  @Test
  void aRequestBouncyCastleWroteIsReadTheSame() throws Exception {
    for (String name : List.of(SHORT, LONG)) {
      KeyPair keys = MeshKeys.newKeyPair();
      CertificateRequests.Request parsed = CertificateRequests.parse(bouncyCastles(keys, name).getEncoded());
      assertThat(parsed.publicKey()).isEqualTo(keys.getPublic());
      assertThat(parsed.dnsNames()).containsExactly(name);
    }
  }

  @Test
  void eachBrokenRequestIsRefusedSayingWhatIsWrong() throws Exception {
    assertThatThrownBy(() -> CertificateRequests.parse("not a CSR".getBytes(java.nio.charset.StandardCharsets.UTF_8)))
        .hasMessageStartingWith("the CSR is not a DER-encoded PKCS#10 request: ");
    byte[] good = CertificateRequests.create(MeshKeys.newKeyPair(), SHORT);
    for (int cut : new int[] {1, 2, 10, good.length / 2, good.length - 1}) {
      assertThatThrownBy(() -> CertificateRequests.parse(java.util.Arrays.copyOf(good, cut)))
          .as("cut at %d", cut).hasMessageStartingWith("the CSR is not a DER-encoded PKCS#10 request: ");
    }
    // Another key's signature over the same request.
    KeyPair other = MeshKeys.newKeyPair();
    byte[] info = new PKCS10CertificationRequest(good).toASN1Structure().getCertificationRequestInfo().getEncoded();
    java.security.Signature signer = java.security.Signature.getInstance(MeshKeys.SIGNATURE);
    signer.initSign(other.getPrivate());
    signer.update(info);
    byte[] forged = Der.sequence(info, Der.sequence(Der.oid("1.2.840.10045.4.3.2")), Der.bits(signer.sign()));
    assertThatThrownBy(() -> CertificateRequests.parse(forged)).hasMessage("the CSR's signature does not verify with its own key");

    java.security.KeyPairGenerator rsa = java.security.KeyPairGenerator.getInstance("RSA");
    rsa.initialize(2048);
    KeyPair rsaKeys = rsa.generateKeyPair();
    byte[] rsaRequest = new JcaPKCS10CertificationRequestBuilder(CertificateAuthority.subject(SHORT), rsaKeys.getPublic())
        .build(new JcaContentSignerBuilder("SHA256withRSA").build(rsaKeys.getPrivate())).getEncoded();
    assertThatThrownBy(() -> CertificateRequests.parse(rsaRequest))
        .hasMessage("the CSR's key is RSA; mesh identities use ECDSA P-256");
  }
}
