package io.weft.k8s;

import io.weft.k8s.model.ClusterEvent;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;

/**
 * Where the control plane learns the cluster's state: the Kubernetes API or a local directory of
 * manifests. Materializing {@link #events()} lists everything (as upserts) and then follows changes;
 * cancelling the stream stops the watches.
 */
public interface ClusterBackend {
  Source<ClusterEvent, NotUsed> events();

  /** A short description for logs, e.g. the API server URL or the directory. */
  String describe();

  /** Checks the service-account tokens proxies present to the identity service. */
  io.weft.k8s.identity.TokenReviewer tokenReviewer();

  /** Where the cluster keeps the identity issuer, if it keeps one (the Kubernetes API does; a local cluster uses files). */
  default java.util.Optional<io.weft.k8s.identity.IssuerSource> issuerSource(String controlPlaneNamespace) {
    return java.util.Optional.empty();
  }

  /** Where {@code component}'s Kubernetes Events go (nowhere for a local cluster). */
  default EventRecorder eventRecorder(String component) {
    return EventRecorder.NONE;
  }
}
