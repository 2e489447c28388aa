package io.weft.proxy.identity;

import io.weft.actors.ControlPlane;
import io.weft.protocol.identity.CertificateAuthority;
import io.weft.protocol.identity.CertificateRequests;
import io.linkerd.proxy.identity.Identity;
import io.linkerd.proxy.identity.IdentityHandlerFactory;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.TestIdentities;
import io.weft.proxy.metrics.ProxyMetrics;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The proxy getting its certificate: the key Linkerd's proxy-identity init writes into
 * LINKERD2_PROXY_IDENTITY_DIR is the one certified, and a Certify call nobody answers is given up.
 */
class ProxyIdentityTest {
  @TempDir Path manifests;
  @TempDir Path identityDir;
  private ControlPlane controlPlane;
  private ActorSystem<Void> system;

  @AfterEach
  void stop() {
    if (system != null) {
      system.terminate();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  @Test
  void aKeyAndCsrFromTheIdentityDirectoryAreTheOnesCertified() throws Exception {
    TestIdentities identities = TestIdentities.create();
    int port = LocalMesh.freePort();
    controlPlane = LocalMesh.controlPlane(manifests, port, identities.controlPlaneSettings());
    String name = TestIdentities.name("web", "shop");
    KeyPair keys = io.weft.protocol.identity.MeshKeys.newKeyPair();
    Files.write(identityDir.resolve(ProxyIdentity.KEY_FILE), keys.getPrivate().getEncoded()); // PKCS#8 DER, as key.p8
    Files.write(identityDir.resolve(ProxyIdentity.CSR_FILE), CertificateRequests.create(keys, name));
    var base = identities.config("web", "shop", port, identities.anchors(), Duration.ofHours(24));
    var config = new ProxyIdentity.Config(base.localName(), base.trustAnchors(), base.tokenFile(), Optional.of(identityDir),
        base.minRefresh(), base.maxRefresh(), base.serviceAddress(), base.serviceName());
    system = LocalMesh.proxySystem();

    var certified = ProxyIdentity.start(system, config, new ProxyMetrics().identity()).certified().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    assertThat(certified.leaf().getPublicKey()).isEqualTo(keys.getPublic());
    assertThat(certified.key()).isEqualTo(keys.getPrivate());
  }

  @Test
  void aCertifyCallThatIsNeverAnsweredIsGivenUpAndTriedAgain() throws Exception {
    TestIdentities identities = TestIdentities.create();
    int port = LocalMesh.freePort();
    controlPlane = LocalMesh.controlPlane(manifests, port, identities.controlPlaneSettings());
    // In front of the control plane's identity service: the first Certify is never answered.
    AtomicInteger calls = new AtomicInteger();
    Identity stalling = request -> calls.incrementAndGet() == 1 ? new CompletableFuture<>() : controlPlane.identity().certify(request);
    system = LocalMesh.proxySystem("weft.proxy.control-plane.request-timeout = 1s");
    ServerBinding front = Http.get(system).newServerAt("127.0.0.1", 0).bind(IdentityHandlerFactory.create(stalling, system))
        .toCompletableFuture().get(30, TimeUnit.SECONDS);
    var config = identities.config("web", "shop", front.localAddress().getPort(), identities.anchors(), Duration.ofHours(24));

    var certified = ProxyIdentity.start(system, config, new ProxyMetrics().identity()).certified().toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    assertThat(certified.leaf().getSubjectX500Principal().getName()).contains("web.shop");
    assertThat(calls.get()).isEqualTo(2);
  }

  @Test
  void anUnusableIdentityDirectoryIsAStartUpErrorThatSaysSo() throws Exception {
    TestIdentities identities = TestIdentities.create();
    Files.writeString(identityDir.resolve(ProxyIdentity.KEY_FILE), "not a key");
    Files.writeString(identityDir.resolve(ProxyIdentity.CSR_FILE), "not a CSR");
    var base = identities.config("web", "shop", 1, identities.anchors(), Duration.ofHours(24));
    var config = new ProxyIdentity.Config(base.localName(), base.trustAnchors(), base.tokenFile(), Optional.of(identityDir),
        base.minRefresh(), base.maxRefresh(), base.serviceAddress(), base.serviceName());
    system = LocalMesh.proxySystem();
    assertThatThrownBy(() -> ProxyIdentity.start(system, config, new ProxyMetrics().identity()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("LINKERD2_PROXY_IDENTITY_DIR: key.p8/csr.der are unusable");
  }
}
