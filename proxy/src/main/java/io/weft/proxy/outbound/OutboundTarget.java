package io.weft.proxy.outbound;

import io.weft.protocol.net.Authority;

import java.util.Optional;

/**
 * Where an outbound request is going, from {@code l5d-dst-override} or else its authority, and
 * the name to ask the Destination API about ({@code name.ns.svc.<cluster-domain>:port} or
 * {@code ip:port}). Short in-cluster names ({@code web-svc.emojivoto}) are completed the way the
 * cluster's DNS search path would; other names are not the mesh's to resolve.
 */
public record OutboundTarget(String host, int port, Optional<String> discoveryPath) {
  public static final String DST_OVERRIDE = "l5d-dst-override";

  public static Optional<OutboundTarget> parse(String text, String clusterDomain) {
    return Authority.parse(text).map(authority -> {
      if (authority.isIp()) {
        return new OutboundTarget(authority.host(), authority.port(), Optional.of(authority.toString()));
      }
      // The name as addressed stays the host: if it is no Service, the fallback goes where the
      // application meant (its resolver would have tried the search path and then the name itself).
      return new OutboundTarget(authority.host(), authority.port(),
          authority.service(clusterDomain).map(s -> s.fqdn(clusterDomain) + ":" + authority.port()));
    });
  }
}
