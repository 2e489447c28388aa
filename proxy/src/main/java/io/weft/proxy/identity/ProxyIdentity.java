package io.weft.proxy.identity;

import io.linkerd.proxy.identity.Identity;
import io.weft.protocol.identity.CertificateRequests;
import io.weft.protocol.identity.MeshKeys;
import io.weft.protocol.identity.TrustBundle;
import io.weft.proxy.control.ControlPlaneClient;
import io.weft.proxy.metrics.IdentityMetrics;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.Props;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.spec.PKCS8EncodedKeySpec;
import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * A proxy's mesh identity: its key (made in memory, or Linkerd's {@code key.p8} and {@code csr.der}
 * from {@code LINKERD2_PROXY_IDENTITY_DIR}), the certificate the identity service gives it, and the
 * mesh TLS that presents it.
 */
public final class ProxyIdentity {
  /** Linkerd's identity settings ({@code LINKERD2_PROXY_IDENTITY_*}). */
  public record Config(String localName, TrustBundle trustAnchors, Path tokenFile, Optional<Path> directory,
                       Duration minRefresh, Duration maxRefresh, InetSocketAddress serviceAddress, Optional<String> serviceName) {}

  static final String KEY_FILE = "key.p8";
  static final String CSR_FILE = "csr.der";

  private final MeshCredentials credentials;
  private final MeshTls tls;

  private ProxyIdentity(MeshCredentials credentials, MeshTls tls) {
    this.credentials = credentials;
    this.tls = tls;
  }

  /** A proxy's key and the certificate request for it, ready before the proxy asks for its certificate. */
  public record Keys(PrivateKey key, PublicKey publicKey, byte[] csr) {}

  public static ProxyIdentity start(ActorSystem<?> system, Config config, IdentityMetrics metrics) {
    return start(system, config, keys(config), metrics);
  }

  /** Starts with keys made beforehand ({@link #keys}: the slow part, which needs no actor system). */
  public static ProxyIdentity start(ActorSystem<?> system, Config config, Keys keys, IdentityMetrics metrics) {
    Identity client = ControlPlaneClient.identity(system, config.serviceAddress());
    Clock clock = Clock.systemUTC();
    MeshCredentials credentials = new MeshCredentials();
    system.systemActorOf(Certifier.create(client, new Certifier.Settings(config.localName(), config.tokenFile(),
            config.minRefresh(), config.maxRefresh()), keys.key(), keys.publicKey(), keys.csr(), config.trustAnchors(),
            credentials, metrics, clock),
        "identity", Props.empty());
    return new ProxyIdentity(credentials, new MeshTls(config.localName(), config.trustAnchors(), credentials, clock));
  }

  /**
   * The proxy's key and CSR: Linkerd's {@code key.p8} and {@code csr.der} when the identity
   * directory holds them, else a new key pair (a broken pair of files is a start-up error, not a
   * retry loop).
   */
  public static Keys keys(Config config) {
    Optional<Path> given = config.directory().filter(d -> Files.exists(d.resolve(KEY_FILE)) && Files.exists(d.resolve(CSR_FILE)));
    try {
      if (given.isPresent()) {
        byte[] csr = Files.readAllBytes(given.get().resolve(CSR_FILE));
        return new Keys(KeyFactory.getInstance("EC").generatePrivate(new PKCS8EncodedKeySpec(
            Files.readAllBytes(given.get().resolve(KEY_FILE)))), CertificateRequests.parse(csr).publicKey(), csr);
      }
      KeyPair keys = MeshKeys.newKeyPair();
      return new Keys(keys.getPrivate(), keys.getPublic(), CertificateRequests.create(keys, config.localName()));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the identity key in " + given.orElseThrow(), e);
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new IllegalArgumentException("LINKERD2_PROXY_IDENTITY_DIR: " + KEY_FILE + "/" + CSR_FILE + " are unusable: "
          + e.getMessage(), e);
    }
  }

  public MeshTls tls() {
    return tls;
  }

  /** Completes once the proxy has its first certificate (it is not ready before). */
  public CompletionStage<MeshCredentials.Credential> certified() {
    return credentials.certified();
  }

  public MeshCredentials credentials() {
    return credentials;
  }
}
