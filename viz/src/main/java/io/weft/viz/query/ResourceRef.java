package io.weft.viz.query;

import java.util.Optional;

/**
 * A resource as the viz commands name one: {@code deploy}, {@code deploy/web}, {@code ns/emojivoto};
 * {@code name} empty for every resource of the kind. Anything else is refused with the kinds known.
 */
public record ResourceRef(VizKind kind, Optional<String> name) {
  public static ResourceRef parse(String text) {
    String[] parts = text.split("/", -1);
    if (parts.length > 2 || parts[0].isEmpty() || (parts.length == 2 && parts[1].isEmpty())) {
      throw new IllegalArgumentException("'" + text + "' is not a resource: write KIND or KIND/NAME, e.g. deploy/web");
    }
    VizKind kind = VizKind.parse(parts[0]).orElseThrow(() -> new IllegalArgumentException(
        "'" + parts[0] + "' is not a resource kind viz knows; use one of " + VizKind.known()));
    return new ResourceRef(kind, parts.length == 2 ? Optional.of(parts[1]) : Optional.empty());
  }

  /**
   * Whether {@code pod}, in {@code namespace}, belongs to this resource (any of its kind when it
   * names none). A Service's pods are told by its selector ({@code ServiceResource.selects}), not here.
   */
  public boolean picks(io.weft.k8s.model.PodResource pod, String namespace) {
    return pod.meta().namespace().equals(namespace) && kind.of(pod).filter(n -> name.map(n::equals).orElse(true)).isPresent();
  }

  @Override
  public String toString() {
    return kind.displayName() + name.map(n -> "/" + n).orElse("");
  }
}
