package io.weft.protocol.identity;

/**
 * A proxy's mesh identity: {@code <serviceaccount>.<namespace>.serviceaccount.identity.<control-plane-ns>.<trust-domain>},
 * the DNS-like name carried in certificates, TLS SNI and the Destination API's {@code tls_identity}.
 */
public record MeshIdentity(String serviceAccount, String namespace, String controlPlaneNamespace, String trustDomain) {
  private static final int MAX_LABEL = 63;
  private static final String MARKER = ".serviceaccount.identity.";

  public MeshIdentity {
    requireLabel("service account", serviceAccount);
    requireLabel("namespace", namespace);
    requireLabel("control-plane namespace", controlPlaneNamespace);
    if (trustDomain == null || trustDomain.isEmpty()) {
      throw new IllegalArgumentException("trust domain must not be empty");
    }
    for (String label : trustDomain.split("\\.", -1)) {
      requireLabel("trust domain", label);
    }
  }

  public String name() {
    return name(serviceAccount, namespace, controlPlaneNamespace, trustDomain);
  }

  /**
   * The name made of these parts, unchecked: for a template whose first parts the pod fills in
   * (the injector's {@code $(_pod_sa).$(_pod_ns)...}).
   */
  public static String name(String serviceAccount, String namespace, String controlPlaneNamespace, String trustDomain) {
    return serviceAccount + "." + namespace + MARKER + controlPlaneNamespace + "." + trustDomain;
  }

  /** Parses a name such as {@code web.emojivoto.serviceaccount.identity.linkerd.cluster.local}. */
  public static MeshIdentity parse(String name) {
    int marker = name.indexOf(MARKER);
    if (marker < 0) {
      throw new IllegalArgumentException("not a mesh identity (no '" + MARKER + "'): '" + name + "'");
    }
    String[] head = name.substring(0, marker).split("\\.", -1);
    String tail = name.substring(marker + MARKER.length());
    int dot = tail.indexOf('.');
    if (head.length != 2 || dot < 0) {
      throw new IllegalArgumentException("not a mesh identity (want <sa>.<ns>" + MARKER + "<cp-ns>.<domain>): '" + name + "'");
    }
    return new MeshIdentity(head[0], head[1], tail.substring(0, dot), tail.substring(dot + 1));
  }

  @Override
  public String toString() {
    return name();
  }

  /** An RFC 1123 label: lower-case letters, digits and inner hyphens (checked per endpoint the control plane serves, so no regex). */
  private static void requireLabel(String what, String value) {
    if (value == null || value.isEmpty() || value.length() > MAX_LABEL || value.charAt(0) == '-'
        || value.charAt(value.length() - 1) == '-') {
      throw new IllegalArgumentException(what + " '" + value + "' is not a DNS label");
    }
    for (int i = 0; i < value.length(); i++) {
      char c = value.charAt(i);
      if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-')) {
        throw new IllegalArgumentException(what + " '" + value + "' is not a DNS label");
      }
    }
  }
}
