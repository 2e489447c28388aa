package io.weft.proxy.outbound;

import io.linkerd.proxy.destination.WeightedAddr;
import io.weft.proxy.identity.MeshTls;
import io.weft.proxy.metrics.HttpMetrics;

import java.util.Optional;

/**
 * Whether a connection to an endpoint is mesh TLS: when this proxy has identity and discovery
 * named the endpoint's identity, the connection must reach exactly that identity.
 */
final class PeerIdentity {
  private final Optional<MeshTls> tls;

  PeerIdentity(Optional<MeshTls> tls) {
    this.tls = tls;
  }

  /** The identity the endpoint must prove, empty when the connection is not mesh TLS. */
  Optional<String> of(WeightedAddr endpoint) {
    if (tls.isEmpty() || !endpoint.hasTlsIdentity()) {
      return Optional.empty();
    }
    String name = endpoint.getTlsIdentity().getDnsLikeIdentity().getName();
    return name.isEmpty() ? Optional.empty() : Optional.of(name);
  }

  /** Linkerd's TLS labels for requests to the endpoint. */
  HttpMetrics.Tls labels(WeightedAddr endpoint) {
    if (tls.isEmpty()) {
      return HttpMetrics.Tls.DISABLED;
    }
    return of(endpoint).map(HttpMetrics.Tls::toServer).orElse(HttpMetrics.Tls.NOT_PROVIDED_BY_DISCOVERY);
  }
}
