package io.weft.operator.check;

import java.util.ArrayList;
import java.util.List;

/** Which categories a {@code weft check} runs, in Linkerd's order, for each of its modes. */
public final class HealthChecks {
  /** {@code weft check} (control plane), {@code --pre}, {@code --proxy}, {@code --crds}. */
  public enum Mode { CONTROL_PLANE, PRE, PROXY, CRDS }

  private HealthChecks() {}

  public static List<Category> categories(CheckTarget target, Mode mode) {
    KubernetesChecks kubernetes = new KubernetesChecks(target);
    ControlPlaneChecks controlPlane = new ControlPlaneChecks(target);
    CertificateChecks certificates = new CertificateChecks(target);
    DataPlaneChecks dataPlane = new DataPlaneChecks(target);
    List<Category> categories = new ArrayList<>(List.of(kubernetes.api()));
    switch (mode) {
      case PRE -> categories.addAll(List.of(kubernetes.version(), kubernetes.preInstall()));
      case CRDS -> categories.add(controlPlane.crds());
      case CONTROL_PLANE, PROXY -> {
        categories.addAll(List.of(kubernetes.version(), controlPlane.crds(), controlPlane.existence(), controlPlane.config(),
            certificates.identity(), certificates.webhooks(), controlPlane.version()));
        categories.add(controlPlane.ha());
        if (mode == Mode.PROXY) {
          categories.addAll(List.of(dataPlane.identity(), dataPlane.proxies()));
        }
      }
    }
    return categories;
  }
}
