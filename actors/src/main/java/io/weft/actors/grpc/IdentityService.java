package io.weft.actors.grpc;

import com.google.protobuf.ByteString;
import com.google.protobuf.Timestamp;
import io.grpc.Status;
import io.linkerd.proxy.identity.CertifyRequest;
import io.linkerd.proxy.identity.CertifyResponse;
import io.linkerd.proxy.identity.Identity;
import io.weft.actors.identity.IdentitySettings;
import io.weft.protocol.identity.Issuer;
import io.weft.actors.identity.IssuerKeeper;
import io.weft.k8s.identity.TokenReviewer;
import io.weft.protocol.identity.CertificateRequests;
import io.weft.protocol.identity.MeshIdentity;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.AskPattern;
import org.apache.pekko.grpc.GrpcServiceException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.cert.CertificateEncodingException;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;

/**
 * Linkerd's {@code Identity.Certify}: a proxy proves its service account with a token and gets a
 * short-lived certificate for the key in its CSR. Each kind of bad request gets its own status:
 * INVALID_ARGUMENT (malformed identity or CSR), FAILED_PRECONDITION (the CSR or identity names
 * something else than this mesh's identity asked for), UNAUTHENTICATED (no or bad token),
 * PERMISSION_DENIED (a good token of another service account), UNAVAILABLE (no issuer loaded yet,
 * or tokens cannot be reviewed right now).
 */
public final class IdentityService implements Identity {
  private static final Logger log = LoggerFactory.getLogger(IdentityService.class);

  private final ActorSystem<?> system;
  private final ActorRef<IssuerKeeper.Command> issuer;
  private final TokenReviewer tokens;
  private final IdentitySettings settings;
  private final String controlPlaneNamespace;
  private final String trustDomain;
  private final Duration askTimeout;
  private final Clock clock;

  public IdentityService(ActorSystem<?> system, ActorRef<IssuerKeeper.Command> issuer, TokenReviewer tokens,
                         IdentitySettings settings, String controlPlaneNamespace, String trustDomain, Duration askTimeout,
                         Clock clock) {
    this.system = system;
    this.issuer = issuer;
    this.tokens = tokens;
    this.settings = settings;
    this.controlPlaneNamespace = controlPlaneNamespace;
    this.trustDomain = trustDomain;
    this.askTimeout = askTimeout;
    this.clock = clock;
  }

  /** The issuer in use and the latest refusal, for diagnostics and tests. */
  public CompletionStage<IssuerKeeper.State> issuerState() {
    return AskPattern.ask(issuer, IssuerKeeper.Get::new, askTimeout, system.scheduler());
  }

  @Override
  public CompletionStage<CertifyResponse> certify(CertifyRequest request) {
    String name = request.getIdentity();
    try {
      MeshIdentity identity = parse(name);
      CertificateRequests.Request csr = csr(request, name);
      String token = request.getToken().toString(StandardCharsets.UTF_8).trim();
      if (token.isEmpty()) {
        throw refuse(Status.UNAUTHENTICATED, name, "no service-account token was sent");
      }
      return tokens.review(token)
          .thenCompose(review -> authorized(review, identity))
          .thenCompose(ok -> currentIssuer(name))
          .thenApply(current -> sign(current, csr, name))
          .exceptionallyCompose(e -> CompletableFuture.failedFuture(unwrap(e, name)));
    } catch (GrpcServiceException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  private MeshIdentity parse(String name) {
    MeshIdentity identity;
    try {
      identity = MeshIdentity.parse(name);
    } catch (IllegalArgumentException e) {
      throw refuse(Status.INVALID_ARGUMENT, name, e.getMessage());
    }
    if (!identity.controlPlaneNamespace().equals(controlPlaneNamespace) || !identity.trustDomain().equals(trustDomain)) {
      throw refuse(Status.FAILED_PRECONDITION, name, "this identity service issues identities under "
          + controlPlaneNamespace + "." + trustDomain);
    }
    return identity;
  }

  private static CertificateRequests.Request csr(CertifyRequest request, String name) {
    CertificateRequests.Request csr;
    try {
      csr = CertificateRequests.parse(request.getCertificateSigningRequest().toByteArray());
    } catch (IllegalArgumentException e) {
      throw refuse(Status.INVALID_ARGUMENT, name, e.getMessage());
    }
    if (!csr.dnsNames().equals(java.util.List.of(name))) {
      throw refuse(Status.FAILED_PRECONDITION, name, "the CSR asks for " + (csr.dnsNames().isEmpty() ? "no DNS name"
          : String.join(", ", csr.dnsNames())) + ", not exactly the requested identity");
    }
    return csr;
  }

  private CompletionStage<Void> authorized(TokenReviewer.Review review, MeshIdentity identity) {
    return switch (review) {
      case TokenReviewer.Review.Rejected rejected ->
          CompletableFuture.failedFuture(refuse(Status.UNAUTHENTICATED, identity.name(), "token refused: " + rejected.reason()));
      case TokenReviewer.Review.Authenticated who -> who.namespace().equals(identity.namespace())
          && who.serviceAccount().equals(identity.serviceAccount())
          ? CompletableFuture.completedFuture(null)
          : CompletableFuture.failedFuture(refuse(Status.PERMISSION_DENIED, identity.name(), "the token is service account "
              + who.namespace() + "/" + who.serviceAccount() + "'s"));
    };
  }

  private CompletionStage<Issuer> currentIssuer(String name) {
    return AskPattern.<IssuerKeeper.Command, IssuerKeeper.State>ask(issuer, IssuerKeeper.Get::new, askTimeout, system.scheduler())
        .thenApply(current -> current.issuer().orElseThrow(() -> refuse(Status.UNAVAILABLE, name, "cert issuer not ready yet")));
  }

  private CertifyResponse sign(Issuer current, CertificateRequests.Request csr, String name) {
    Instant now = clock.instant();
    X509Certificate leaf = current.issue(csr.publicKey(), name, now, settings.issuanceLifetime(), settings.clockSkewAllowance());
    try {
      CertifyResponse.Builder response = CertifyResponse.newBuilder()
          .setLeafCertificate(ByteString.copyFrom(leaf.getEncoded()))
          .setValidUntil(Timestamp.newBuilder().setSeconds(leaf.getNotAfter().toInstant().getEpochSecond()));
      for (X509Certificate intermediate : current.chain()) {
        response.addIntermediateCertificates(ByteString.copyFrom(intermediate.getEncoded()));
      }
      log.debug("certified {} until {}", name, leaf.getNotAfter().toInstant());
      io.weft.actors.feed.FeedEvent.certified(system, name, leaf.getNotAfter().toInstant());
      return response.build();
    } catch (CertificateEncodingException e) {
      throw refuse(Status.INTERNAL, name, "cannot encode the certificate: " + e.getMessage());
    }
  }

  private static GrpcServiceException refuse(Status status, String name, String reason) {
    log.info("Certify refused for '{}': {}: {}", name, status.getCode(), reason);
    return new GrpcServiceException(status.withDescription(reason));
  }

  private static GrpcServiceException unwrap(Throwable e, String name) {
    Throwable cause = e instanceof CompletionException && e.getCause() != null ? e.getCause() : e;
    if (cause instanceof GrpcServiceException grpc) {
      return grpc;
    }
    if (cause instanceof java.util.concurrent.TimeoutException) {
      return refuse(Status.UNAVAILABLE, name, "the identity issuer did not answer in time");
    }
    return refuse(Status.UNAVAILABLE, name, "cannot review the token: " + cause.getMessage());
  }
}
