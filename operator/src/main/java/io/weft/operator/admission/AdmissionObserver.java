package io.weft.operator.admission;

import io.weft.k8s.EventRecorder;
import io.weft.operator.inject.Outcome;

/** Told what each admission review decided, for the control plane's metrics. */
public interface AdmissionObserver {
  /** A pod of {@code owner} (the pod itself when it has none) went through the injector. */
  void injection(EventRecorder.Involved owner, Outcome outcome);

  /** An object of {@code kind} was validated. */
  void validation(String kind, boolean allowed);

  /** Both, in order. */
  default AdmissionObserver andThen(AdmissionObserver next) {
    AdmissionObserver first = this;
    return new AdmissionObserver() {
      @Override
      public void injection(EventRecorder.Involved owner, Outcome outcome) {
        first.injection(owner, outcome);
        next.injection(owner, outcome);
      }

      @Override
      public void validation(String kind, boolean allowed) {
        first.validation(kind, allowed);
        next.validation(kind, allowed);
      }
    };
  }

  /**
   * Linkerd's event on the workload whose pod was injected ({@code Injected}); skipped pods get
   * none.
   */
  static AdmissionObserver events(EventRecorder recorder) {
    return new AdmissionObserver() {
      @Override
      public void injection(EventRecorder.Involved owner, Outcome outcome) {
        if (outcome instanceof Outcome.Injected) {
          recorder.normal(owner, "Injected", "Linkerd sidecar proxy injected");
        }
      }

      @Override
      public void validation(String kind, boolean allowed) {}
    };
  }

  AdmissionObserver NONE = new AdmissionObserver() {
    @Override
    public void injection(EventRecorder.Involved owner, Outcome outcome) {}

    @Override
    public void validation(String kind, boolean allowed) {}
  };
}
