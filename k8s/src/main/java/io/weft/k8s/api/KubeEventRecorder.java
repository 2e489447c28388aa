package io.weft.k8s.api;

import io.fabric8.kubernetes.api.model.EventBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;
import io.weft.k8s.EventRecorder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Clock;
import java.util.UUID;

/** Events through the Kubernetes API ({@code v1} Events in the object's namespace), as {@code kubectl describe} shows them. */
public final class KubeEventRecorder implements EventRecorder {
  private static final Logger log = LoggerFactory.getLogger(KubeEventRecorder.class);
  private final KubernetesClient client;
  private final String component;
  private final Clock clock;

  public KubeEventRecorder(KubernetesClient client, String component, Clock clock) {
    this.client = client;
    this.component = component;
    this.clock = clock;
  }

  @Override
  public void normal(Involved object, String reason, String message) {
    String now = clock.instant().toString();
    try {
      client.v1().events().inNamespace(object.namespace()).resource(new EventBuilder()
          .withNewMetadata().withName(object.name() + "." + UUID.randomUUID()).withNamespace(object.namespace()).endMetadata()
          .withNewInvolvedObject().withApiVersion(object.apiVersion()).withKind(object.kind()).withName(object.name())
          .withNamespace(object.namespace()).withUid(object.uid().isEmpty() ? null : object.uid()).endInvolvedObject()
          .withType("Normal").withReason(reason).withMessage(message).withCount(1)
          .withFirstTimestamp(now).withLastTimestamp(now)
          .withNewSource().withComponent(component).endSource().build()).create();
    } catch (KubernetesClientException e) {
      log.warn("cannot record event {} on {} {}/{}: {}", reason, object.kind(), object.namespace(), object.name(), e.getMessage());
    }
  }
}
