package io.weft.proxy.identity;

import com.google.protobuf.ByteString;
import io.linkerd.proxy.identity.CertifyRequest;
import io.linkerd.proxy.identity.CertifyResponse;
import io.linkerd.proxy.identity.Identity;
import io.weft.protocol.identity.IdentityCertificateException;
import io.weft.protocol.identity.TrustBundle;
import io.weft.proxy.metrics.IdentityMetrics;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.apache.pekko.actor.typed.javadsl.TimerScheduler;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Gets and renews the proxy's certificate: sends its CSR with the service-account token (read
 * afresh each time: projected tokens rotate), checks the answer chains to the trust anchors and
 * names this proxy, installs it, and renews at 70 % of its lifetime (clamped to the min/max
 * refresh). A failed renewal is retried after the minimum refresh while the current certificate
 * stays in use.
 */
public final class Certifier {
  /** Linkerd renews at 70 % of the certificate's lifetime. */
  private static final double RENEW_AT = 0.7;

  public record Settings(String localName, Path tokenFile, Duration minRefresh, Duration maxRefresh) {}

  sealed interface Command {}

  private record Refresh() implements Command {}

  private record Answered(CertifyResponse response, Throwable error) implements Command {}

  private Certifier() {}

  /** {@code key} and {@code csr} are the proxy's; {@code publicKey} is the CSR's, which a certificate must carry. */
  public static Behavior<Command> create(Identity client, Settings settings, PrivateKey key, java.security.PublicKey publicKey,
                                         byte[] csr,
                                         TrustBundle anchors, MeshCredentials credentials, IdentityMetrics metrics, Clock clock) {
    return Behaviors.setup(ctx -> Behaviors.withTimers(timers -> {
      ctx.getSelf().tell(new Refresh());
      return Behaviors.receive(Command.class)
          .onMessage(Refresh.class, r -> {
            request(ctx, client, settings, csr);
            return Behaviors.same();
          })
          .onMessage(Answered.class, a -> {
            Duration next = a.error() == null
                ? installed(ctx, a.response(), settings, key, publicKey, anchors, credentials, metrics, clock)
                : failed(ctx, settings, metrics, a.error().getMessage());
            timers.startSingleTimer(new Refresh(), next);
            return Behaviors.same();
          })
          .build();
    }));
  }

  private static void request(ActorContext<Command> ctx, Identity client, Settings settings, byte[] csr) {
    byte[] token;
    try {
      token = Files.readAllBytes(settings.tokenFile());
    } catch (IOException e) {
      ctx.getSelf().tell(new Answered(null, new IOException("cannot read the token file " + settings.tokenFile() + ": " + e, e)));
      return;
    }
    CertifyRequest request = CertifyRequest.newBuilder().setIdentity(settings.localName())
        .setToken(ByteString.copyFrom(token)).setCertificateSigningRequest(ByteString.copyFrom(csr)).build();
    ctx.pipeToSelf(client.certify(request), Answered::new);
  }

  /** Installs the certificate and says when to renew it; a certificate that does not check out is refused. */
  private static Duration installed(ActorContext<Command> ctx, CertifyResponse response, Settings settings, PrivateKey key,
                                    java.security.PublicKey publicKey,
                                    TrustBundle anchors, MeshCredentials credentials, IdentityMetrics metrics, Clock clock) {
    List<X509Certificate> chain = new ArrayList<>();
    Instant now = clock.instant();
    try {
      CertificateFactory factory = CertificateFactory.getInstance("X.509");
      chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(response.getLeafCertificate().toByteArray())));
      for (ByteString intermediate : response.getIntermediateCertificatesList()) {
        chain.add((X509Certificate) factory.generateCertificate(new ByteArrayInputStream(intermediate.toByteArray())));
      }
      anchors.verify(chain, now, settings.localName());
    } catch (IdentityCertificateException e) {
      return failed(ctx, settings, metrics, "the identity service's certificate is unusable: " + e.getMessage());
    } catch (CertificateException e) {
      return failed(ctx, settings, metrics, "the identity service sent an undecodable certificate: " + e.getMessage());
    }
    X509Certificate leaf = chain.getFirst();
    if (!leaf.getPublicKey().equals(publicKey)) {
      return failed(ctx, settings, metrics, "the identity service certified another key than the CSR's");
    }
    credentials.install(new MeshCredentials.Credential(key, List.copyOf(chain)));
    Instant expires = leaf.getNotAfter().toInstant();
    metrics.certified(expires);
    Duration lifetime = Duration.between(now, expires);
    Duration renewIn = clamp(Duration.ofMillis((long) (lifetime.toMillis() * RENEW_AT)), settings);
    ctx.getLog().info("certified as {} until {}; renewing in {}", settings.localName(), expires, renewIn);
    return renewIn;
  }

  private static Duration failed(ActorContext<Command> ctx, Settings settings, IdentityMetrics metrics, String reason) {
    metrics.failed();
    ctx.getLog().warn("certifying {} failed: {}; retrying in {}", settings.localName(), reason, settings.minRefresh());
    return settings.minRefresh();
  }

  private static Duration clamp(Duration d, Settings settings) {
    if (d.compareTo(settings.minRefresh()) < 0) {
      return settings.minRefresh();
    }
    return d.compareTo(settings.maxRefresh()) > 0 ? settings.maxRefresh() : d;
  }
}
