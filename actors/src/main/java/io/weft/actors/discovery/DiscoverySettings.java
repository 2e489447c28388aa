package io.weft.actors.discovery;

import com.typesafe.config.Config;

import java.time.Duration;

/** How discovery answers are shaped; read from {@code weft.discovery} in reference.conf. */
public record DiscoverySettings(String controlPlaneNamespace, String trustDomain, String clusterDomain,
                                OpaquePorts defaultOpaquePorts, int proxyInboundPort, int endpointWeight,
                                double retryRatio, int minRetriesPerSecond, Duration retryTtl, int updateMemoSlots,
                                long compressAbove, Duration unownedAddressRecheck) {

  public static DiscoverySettings from(Config config) {
    Config c = config.getConfig("weft.discovery");
    return new DiscoverySettings(c.getString("control-plane-namespace"), c.getString("trust-domain"),
        c.getString("cluster-domain"), OpaquePorts.parse(c.getString("default-opaque-ports")),
        c.getInt("proxy-inbound-port"), c.getInt("endpoint-weight"), c.getDouble("retry-budget.retry-ratio"),
        c.getInt("retry-budget.min-retries-per-second"), c.getDuration("retry-budget.ttl"), c.getInt("update-memo-slots"),
        c.getBytes("compress-above"), c.getDuration("unowned-address-recheck"));
  }
}
