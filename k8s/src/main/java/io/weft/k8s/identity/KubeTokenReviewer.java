package io.weft.k8s.identity;

import io.fabric8.kubernetes.api.model.authentication.TokenReview;
import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;

/**
 * Reviews tokens with the Kubernetes TokenReview API, for the audience the proxies' projected
 * tokens are minted for (Linkerd's {@code identity.l5d.io}).
 */
public final class KubeTokenReviewer implements TokenReviewer {
  private final KubernetesClient client;
  private final List<String> audiences;
  private final Executor blocking;

  public KubeTokenReviewer(KubernetesClient client, List<String> audiences, Executor blocking) {
    this.client = client;
    this.audiences = List.copyOf(audiences);
    this.blocking = blocking;
  }

  @Override
  public CompletionStage<Review> review(String token) {
    return CompletableFuture.supplyAsync(() -> {
      TokenReview reviewed = client.authentication().v1().tokenReviews().create(new TokenReviewBuilder()
          .withNewSpec().withToken(token).withAudiences(audiences).endSpec().build());
      var status = reviewed.getStatus();
      if (status == null || !Boolean.TRUE.equals(status.getAuthenticated())) {
        String error = status == null || status.getError() == null || status.getError().isEmpty()
            ? "the API server did not authenticate the token" : status.getError();
        return new Review.Rejected(error);
      }
      return TokenReviewer.fromUsername(status.getUser().getUsername());
    }, blocking);
  }
}
