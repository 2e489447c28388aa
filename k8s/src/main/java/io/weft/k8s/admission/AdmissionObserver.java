package io.weft.k8s.admission;

import io.weft.k8s.inject.Outcome;

/** Told what each admission review decided, for the control plane's metrics. */
public interface AdmissionObserver {
  /** A pod of {@code ownerKind} in {@code namespace} went through the injector. */
  void injection(String namespace, String ownerKind, Outcome outcome);

  /** An object of {@code kind} was validated. */
  void validation(String kind, boolean allowed);

  AdmissionObserver NONE = new AdmissionObserver() {
    @Override
    public void injection(String namespace, String ownerKind, Outcome outcome) {}

    @Override
    public void validation(String kind, boolean allowed) {}
  };
}
