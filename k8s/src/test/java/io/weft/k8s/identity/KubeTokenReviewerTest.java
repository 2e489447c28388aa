package io.weft.k8s.identity;

import io.fabric8.kubernetes.api.model.authentication.TokenReviewBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/** TokenReview, with scripted answers: the mock server's CRUD mode does not authenticate. */
class KubeTokenReviewerTest {
  @Test
  void tokenReviewAuthenticatesServiceAccountsAndSaysWhyOthersAreRejected() throws Exception {
    KubernetesMockServer server = new KubernetesMockServer(false);
    server.init();
    try (KubernetesClient client = server.createClient()) {
      String path = "/apis/authentication.k8s.io/v1/tokenreviews";
      server.expect().post().withPath(path).andReturn(201, new TokenReviewBuilder().withNewStatus().withAuthenticated(true)
          .withNewUser().withUsername("system:serviceaccount:emojivoto:web").endUser().endStatus().build()).once();
      server.expect().post().withPath(path).andReturn(201, new TokenReviewBuilder().withNewStatus().withAuthenticated(false)
          .withError("token has expired").endStatus().build()).once();
      server.expect().post().withPath(path).andReturn(201, new TokenReviewBuilder().withNewStatus().withAuthenticated(true)
          .withNewUser().withUsername("jane@example.com").endUser().endStatus().build()).once();
      KubeTokenReviewer reviewer = new KubeTokenReviewer(client, List.of("identity.l5d.io"), Executors.newVirtualThreadPerTaskExecutor());

      assertThat(reviewer.review("tok-1").toCompletableFuture().get(30, TimeUnit.SECONDS))
          .isEqualTo(new TokenReviewer.Review.Authenticated("emojivoto", "web"));
      String sent = server.takeRequest(30, TimeUnit.SECONDS).getBody().readUtf8();
      assertThat(sent).contains("\"token\":\"tok-1\"").contains("\"audiences\":[\"identity.l5d.io\"]");
      assertThat(reviewer.review("tok-2").toCompletableFuture().get(30, TimeUnit.SECONDS))
          .isEqualTo(new TokenReviewer.Review.Rejected("token has expired"));
      assertThat(reviewer.review("tok-3").toCompletableFuture().get(30, TimeUnit.SECONDS))
          .isEqualTo(new TokenReviewer.Review.Rejected("the token belongs to jane@example.com, not a service account"));
    } finally {
      server.destroy();
    }
  }

}
