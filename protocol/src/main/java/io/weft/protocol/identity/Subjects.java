package io.weft.protocol.identity;

/**
 * The subject of a mesh certificate or request. The identity lives in the DNS SAN; the subject's
 * common name repeats it when it fits X.509's 64-character bound, else the subject is empty (RFC
 * 5280 §4.1.2.6) and the SAN, now the only name, is critical. A ServiceAccount name is
 * Kubernetes-legal far past that bound, and its pods must still get an identity.
 */
final class Subjects {
  /** X.509's upper bound on a common name (ub-common-name). */
  private static final int MAX_COMMON_NAME = 64;

  private Subjects() {}

  /** The subject's common name, when it has one. */
  static java.util.Optional<String> commonName(String name) {
    return fits(name) ? java.util.Optional.of(name) : java.util.Optional.empty();
  }

  /** Whether the SAN must be critical: the subject is empty. */
  static boolean sanCritical(String name) {
    return !fits(name);
  }

  private static boolean fits(String name) {
    return name.length() <= MAX_COMMON_NAME;
  }
}
