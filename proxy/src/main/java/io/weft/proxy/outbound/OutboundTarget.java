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

  /**
   * The target a connection's requests last named, parsed once: one connection's requests nearly
   * always name the same one, and parsing an authority per request showed in the profile.
   */
  public static final class LastParsed {
    private record Parsed(String text, Optional<OutboundTarget> target) {}

    private final String clusterDomain;
    /** Swapped whole, so requests of one HTTP/2 connection on other threads read a consistent pair. */
    private volatile Parsed last = new Parsed(null, Optional.empty());

    public LastParsed(String clusterDomain) {
      this.clusterDomain = clusterDomain;
    }

    public Optional<OutboundTarget> parse(String text) {
      Parsed seen = last;
      if (text.equals(seen.text())) {
        return seen.target();
      }
      Optional<OutboundTarget> target = OutboundTarget.parse(text, clusterDomain);
      last = new Parsed(text, target);
      return target;
    }
  }

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
