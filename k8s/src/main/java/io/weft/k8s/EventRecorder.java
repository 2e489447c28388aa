package io.weft.k8s;

/** Records Kubernetes Events about objects (the injector's "Injected" on a workload), where the cluster keeps them. */
public interface EventRecorder {
  /** The object an event is about. */
  record Involved(String apiVersion, String kind, String namespace, String name, String uid) {}

  /** A Normal event; never throws (an event that cannot be recorded must not fail what it reports). */
  void normal(Involved object, String reason, String message);

  EventRecorder NONE = (object, reason, message) -> {};
}
