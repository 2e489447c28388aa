package io.weft.proxy;

import io.weft.actors.identity.IdentitySettings;
import io.weft.protocol.identity.MeshPki;
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
import java.security.cert.X509Certificate;
import java.util.ArrayList;
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
  private final io.weft.protocol.identity.IssuerFiles files;
  private final LocalTokens tokens;
  private final Path tokenKey;

  private final Optional<Duration> leafLifetime;
  private final List<X509Certificate> trust;

  private TestIdentities(Path directory, MeshPki pki, io.weft.protocol.identity.IssuerFiles files, Path tokenKey,
                         Optional<Duration> leafLifetime, List<X509Certificate> trust) {
    this.leafLifetime = leafLifetime;
    this.trust = List.copyOf(trust);
    this.directory = directory;
    this.pki = pki;
    this.files = files;
    this.tokenKey = tokenKey;
    this.tokens = LocalTokens.fromKeyFile(tokenKey);
  }

  public static TestIdentities create() {
    return create(Optional.empty(), List.of());
  }

  /**
   * {@code leafLifetime}: how long the control plane's certificates last (the default 24 h if
   * empty); {@code moreAnchors}: trusted besides the mesh's own anchor (an anchor rotation's next one).
   */
  public static TestIdentities create(Optional<Duration> leafLifetime, List<X509Certificate> moreAnchors) {
    try {
      Path directory = Files.createTempDirectory("weft-identity");
      MeshPki pki = newPki();
      List<X509Certificate> trust = new ArrayList<>(List.of(pki.anchor().certificate()));
      trust.addAll(moreAnchors);
      return new TestIdentities(directory, pki, pki.write(directory.resolve("pki"), trust), directory.resolve("token.key"),
          leafLifetime, trust);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A new anchor and issuer for this mesh's names. */
  public static MeshPki newPki() {
    return MeshPki.create(CONTROL_PLANE_NS, TRUST_DOMAIN, Instant.now(), Duration.ofDays(365), Duration.ofDays(30));
  }

  public static String name(String serviceAccount, String namespace) {
    return new MeshIdentity(serviceAccount, namespace, CONTROL_PLANE_NS, TRUST_DOMAIN).name();
  }

  /** Settings for a control plane that issues this mesh's certificates and accepts its tokens. */
  public String[] controlPlaneSettings() {
    List<String> settings = new ArrayList<>(files.settings());
    settings.add("weft.identity.reload-interval = 200ms");
    settings.add("weft.local-cluster.token-key-file = \"" + tokenKey + "\"");
    settings.add("weft.identity.issuance-lifetime = " + leafLifetime.map(d -> d.toMillis() + "ms").orElse("24h"));
    return settings.toArray(String[]::new);
  }

  public MeshPki pki() {
    return pki;
  }

  /** Writes the issuer of {@code next} for the control plane to pick up; the trust bundle stays as created. */
  public void rotate(MeshPki next) throws IOException {
    pki = next;
    next.write(directory.resolve("pki"), trust);
  }

  /** What the proxies trust (Linkerd's injector gives them the bundle as LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS). */
  public TrustBundle anchors() {
    return new TrustBundle(trust);
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
