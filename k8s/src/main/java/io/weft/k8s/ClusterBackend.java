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
}
