package io.weft.k8s.identity;

import java.util.concurrent.CompletionStage;

/** Says whose service-account token a proxy presented to the identity service. */
public interface TokenReviewer {
  /** The outcome of one review. */
  sealed interface Review {
    /** The token is a live token of this service account. */
    record Authenticated(String namespace, String serviceAccount) implements Review {}

    /** The token proves nothing; {@code reason} says why. */
    record Rejected(String reason) implements Review {}
  }

  /** Reviews {@code token}; fails only when the reviewer itself cannot answer (e.g. the API is down). */
  CompletionStage<Review> review(String token);

  /** Kubernetes names a service account's user {@code system:serviceaccount:<ns>:<sa>}. */
  static Review fromUsername(String username) {
    String[] parts = username.split(":", -1);
    if (parts.length != 4 || !parts[0].equals("system") || !parts[1].equals("serviceaccount")) {
      return new Review.Rejected("the token belongs to " + username + ", not a service account");
    }
    return new Review.Authenticated(parts[2], parts[3]);
  }
}
