package io.weft.proxy;

import io.weft.actors.identity.IdentitySettings;
import io.weft.actors.identity.MeshPki;
import io.weft.k8s.identity.LocalTokens;
import io.weft.protocol.identity.MeshIdentity;
import io.weft.protocol.identity.TrustBundle;
import io.weft.proxy.identity.ProxyIdentity;
import io.weft.proxy.metrics.IdentityMetrics;
import org.apache.pekko.actor.typed.ActorSystem;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * A mesh's identity for tests: a trust anchor and issuer in a temp directory, the local token key,
 * the control-plane settings that use them, and proxies' identities certified by that control plane.
 */
public final class TestIdentities {
  public static final String CONTROL_PLANE_NS = "linkerd";
  public static final String TRUST_DOMAIN = "cluster.local";
  /** Quick retries while the control plane starts. */
  private static final Duration MIN_REFRESH = Duration.ofMillis(200);

  private final Path directory;
  private MeshPki pki;
  private final IdentitySettings.IssuerFiles files;
  private final LocalTokens tokens;
  private final Path tokenKey;

  private TestIdentities(Path directory, MeshPki pki, IdentitySettings.IssuerFiles files, Path tokenKey) {
    this.directory = directory;
    this.pki = pki;
    this.files = files;
    this.tokenKey = tokenKey;
    this.tokens = LocalTokens.fromKeyFile(tokenKey);
  }

  public static TestIdentities create() {
    try {
      Path directory = Files.createTempDirectory("weft-identity");
      MeshPki pki = MeshPki.create(CONTROL_PLANE_NS, TRUST_DOMAIN, Instant.now(), Duration.ofDays(365), Duration.ofDays(30));
      return new TestIdentities(directory, pki, pki.write(directory.resolve("pki")), directory.resolve("token.key"));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static String name(String serviceAccount, String namespace) {
    return new MeshIdentity(serviceAccount, namespace, CONTROL_PLANE_NS, TRUST_DOMAIN).name();
  }

  /** Settings for a control plane that issues this mesh's certificates and accepts its tokens. */
  public String[] controlPlaneSettings() {
    return new String[] {
        "weft.identity.trust-anchors-file = \"" + files.trustAnchors() + "\"",
        "weft.identity.issuer-certificate-file = \"" + files.certificate() + "\"",
        "weft.identity.issuer-key-file = \"" + files.key() + "\"",
        "weft.identity.reload-interval = 200ms",
        "weft.local-cluster.token-key-file = \"" + tokenKey + "\""};
  }

  public MeshPki pki() {
    return pki;
  }

  /** Writes a new issuer from {@code next} (and a trust bundle) for the control plane to pick up. */
  public void rotate(MeshPki next, List<java.security.cert.X509Certificate> bundle) throws IOException {
    pki = next;
    next.write(directory.resolve("pki"), bundle);
  }

  public TrustBundle anchors() {
    return new TrustBundle(List.of(pki.anchor().certificate()));
  }

  /** A token file for {@code serviceAccount} of {@code namespace}. */
  public Path tokenFile(String serviceAccount, String namespace) {
    try {
      Path file = directory.resolve(namespace + "." + serviceAccount + ".token");
      Files.writeString(file, tokens.mint(namespace, serviceAccount));
      return file;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The identity config a proxy for {@code serviceAccount.namespace} would get from the injector. */
  public ProxyIdentity.Config config(String serviceAccount, String namespace, int identityPort, TrustBundle trust,
                                     Duration maxRefresh) {
    return new ProxyIdentity.Config(name(serviceAccount, namespace), trust, tokenFile(serviceAccount, namespace),
        Optional.empty(), MIN_REFRESH, maxRefresh, new InetSocketAddress("127.0.0.1", identityPort), Optional.empty());
  }

  /** Starts {@code serviceAccount.namespace}'s identity in {@code system}, certified by the control plane on {@code port}. */
  public ProxyIdentity start(ActorSystem<?> system, String serviceAccount, String namespace, int port, IdentityMetrics metrics) {
    return ProxyIdentity.start(system, config(serviceAccount, namespace, port, anchors(), Duration.ofHours(24)), metrics);
  }
}
