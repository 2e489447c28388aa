package io.weft.proxy;

import io.weft.protocol.identity.TrustBundle;
import io.weft.proxy.identity.ProxyIdentity;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.time.Duration;
import java.util.BitSet;
import java.util.Map;
import java.util.Optional;

/**
 * The proxy's settings, read from Linkerd's {@code LINKERD2_PROXY_*} environment so the injector's
 * pod spec (and a Linkerd user's overrides) work unchanged. Defaults are Linkerd's, except where
 * the issue that specifies Weft's proxy says otherwise (queue capacity, default opaque ports).
 */
public record ProxyConfig(
    InetSocketAddress inboundListen, InetSocketAddress outboundListen, InetSocketAddress adminListen,
    InetSocketAddress controlListen,
    Optional<InetSocketAddress> destinationAddress, Optional<String> destinationName, String destinationContext,
    Duration inboundDetectTimeout, Duration outboundDetectTimeout,
    Duration inboundConnectTimeout, Duration outboundConnectTimeout,
    Side inbound, Side outbound,
    BitSet opaqueInboundPorts, boolean shutdownEndpointEnabled, String logLevel, boolean ingressMode,
    Duration outboundDiscoveryIdleTimeout, ControlStream controlStream, Optional<ProxyIdentity.Config> identity) {

  /**
   * Queue and concurrency limits of one direction, and how long an endpoint that refused a
   * connection is skipped (doubling from the minimum up to the maximum).
   */
  public record Side(int queueCapacity, Duration failfastTimeout, int maxInFlight, Duration connectBackoffMin,
                     Duration connectBackoffMax) {}

  /**
   * How long a stream from the control plane may go without its first message, without any
   * message, and at all, before the proxy asks again (Linkerd's receive limits): a stream that
   * silently stopped delivering cannot leave the proxy on stale endpoints.
   */
  public record ControlStream(Duration initialTimeout, Duration idleTimeout, Duration lifetime) {}

  public static final String DEFAULT_OPAQUE_PORTS = "25,587,3306,4444,5432,6379,9300,11211";

  public static ProxyConfig fromEnv(Map<String, String> env) {
    EnvReader e = new EnvReader(env);
    Optional<InetSocketAddress> dst = e.string("LINKERD2_PROXY_DESTINATION_SVC_ADDR")
        .map(v -> e.address("LINKERD2_PROXY_DESTINATION_SVC_ADDR", v));
    Optional<String> dstName = e.string("LINKERD2_PROXY_DESTINATION_SVC_NAME");
    // Linkerd requires the name (the control plane's identity) with the address, except on loopback.
    if (dst.isPresent() && dstName.isEmpty() && !isLoopback(dst.get())) {
      throw new ProxyConfigException("LINKERD2_PROXY_DESTINATION_SVC_NAME must be set with LINKERD2_PROXY_DESTINATION_SVC_ADDR "
          + "(" + dst.get().getHostString() + " is not a loopback address)");
    }
    return new ProxyConfig(
        e.address("LINKERD2_PROXY_INBOUND_LISTEN_ADDR", "0.0.0.0:4143"),
        e.address("LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", "127.0.0.1:4140"),
        e.address("LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "127.0.0.1:4191"),
        e.address("LINKERD2_PROXY_CONTROL_LISTEN_ADDR", "0.0.0.0:4190"),
        dst, dstName, e.string("LINKERD2_PROXY_DESTINATION_CONTEXT").orElse(""),
        e.duration("LINKERD2_PROXY_INBOUND_DETECT_TIMEOUT", Duration.ofSeconds(10)),
        e.duration("LINKERD2_PROXY_OUTBOUND_DETECT_TIMEOUT", Duration.ofSeconds(10)),
        e.duration("LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT", Duration.ofMillis(300)),
        e.duration("LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT", Duration.ofSeconds(1)),
        new Side(e.integer("LINKERD2_PROXY_INBOUND_HTTP_QUEUE_CAPACITY", 100),
            e.duration("LINKERD2_PROXY_INBOUND_HTTP_FAILFAST_TIMEOUT", Duration.ofSeconds(1)),
            e.integer("LINKERD2_PROXY_INBOUND_MAX_IN_FLIGHT", 100_000),
            e.duration("LINKERD2_PROXY_INBOUND_CONNECT_EXP_BACKOFF_MIN", Duration.ofMillis(100)),
            e.duration("LINKERD2_PROXY_INBOUND_CONNECT_EXP_BACKOFF_MAX", Duration.ofSeconds(10))),
        new Side(e.integer("LINKERD2_PROXY_OUTBOUND_HTTP_QUEUE_CAPACITY", 100),
            e.duration("LINKERD2_PROXY_OUTBOUND_HTTP_FAILFAST_TIMEOUT", Duration.ofSeconds(3)),
            e.integer("LINKERD2_PROXY_OUTBOUND_MAX_IN_FLIGHT", 100_000),
            e.duration("LINKERD2_PROXY_OUTBOUND_CONNECT_EXP_BACKOFF_MIN", Duration.ofMillis(100)),
            e.duration("LINKERD2_PROXY_OUTBOUND_CONNECT_EXP_BACKOFF_MAX", Duration.ofSeconds(60))),
        e.ports("LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION", DEFAULT_OPAQUE_PORTS),
        e.bool("LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED", false),
        e.string("LINKERD2_PROXY_LOG").orElse("warn,linkerd=info"),
        e.bool("LINKERD2_PROXY_INGRESS_MODE", false),
        e.duration("LINKERD2_PROXY_OUTBOUND_DISCOVERY_IDLE_TIMEOUT", Duration.ofSeconds(5)),
        new ControlStream(e.duration("LINKERD2_PROXY_CONTROL_STREAM_INITIAL_TIMEOUT", Duration.ofSeconds(3)),
            e.duration("LINKERD2_PROXY_CONTROL_STREAM_IDLE_TIMEOUT", Duration.ofMinutes(5)),
            e.duration("LINKERD2_PROXY_CONTROL_STREAM_LIFETIME", Duration.ofHours(1))),
        identity(e));
  }

  private static final String IDENTITY = "LINKERD2_PROXY_IDENTITY_";
  private static final List<String> IDENTITY_REQUIRED = List.of(IDENTITY + "TRUST_ANCHORS", IDENTITY + "LOCAL_NAME",
      IDENTITY + "TOKEN_FILE", IDENTITY + "SVC_ADDR");

  /**
   * Identity as Linkerd's injector configures it. {@code LINKERD2_PROXY_IDENTITY_DISABLED} turns it
   * off; so does setting none of the required variables (a bare local proxy). Setting some but not
   * all of them is an error naming what is missing.
   */
  private static Optional<ProxyIdentity.Config> identity(EnvReader e) {
    if (e.string(IDENTITY + "DISABLED").isPresent()) {
      return Optional.empty();
    }
    List<String> missing = IDENTITY_REQUIRED.stream().filter(name -> e.string(name).isEmpty()).toList();
    if (missing.size() == IDENTITY_REQUIRED.size()) {
      return Optional.empty();
    }
    if (!missing.isEmpty()) {
      throw new ProxyConfigException(String.join(", ", missing) + (missing.size() == 1 ? " is" : " are")
          + " required for identity (or set " + IDENTITY + "DISABLED)");
    }
    TrustBundle anchors;
    try {
      anchors = TrustBundle.fromPem(e.string(IDENTITY + "TRUST_ANCHORS").orElseThrow(), IDENTITY + "TRUST_ANCHORS");
    } catch (IllegalArgumentException ex) {
      throw new ProxyConfigException(ex.getMessage());
    }
    InetSocketAddress service = e.address(IDENTITY + "SVC_ADDR", "");
    Optional<String> serviceName = e.string(IDENTITY + "SVC_NAME");
    if (serviceName.isEmpty() && !isLoopback(service)) {
      throw new ProxyConfigException(IDENTITY + "SVC_NAME must be set with " + IDENTITY + "SVC_ADDR ("
          + service.getHostString() + " is not a loopback address)");
    }
    Duration minRefresh = e.duration(IDENTITY + "MIN_REFRESH", Duration.ofSeconds(10));
    Duration maxRefresh = e.duration(IDENTITY + "MAX_REFRESH", Duration.ofHours(24));
    if (minRefresh.compareTo(maxRefresh) > 0) {
      throw new ProxyConfigException(IDENTITY + "MIN_REFRESH (" + minRefresh + ") is longer than " + IDENTITY + "MAX_REFRESH ("
          + maxRefresh + ")");
    }
    return Optional.of(new ProxyIdentity.Config(e.string(IDENTITY + "LOCAL_NAME").orElseThrow(), anchors,
        Path.of(e.string(IDENTITY + "TOKEN_FILE").orElseThrow()), e.string(IDENTITY + "DIR").map(Path::of), minRefresh, maxRefresh,
        service, serviceName));
  }

  private static boolean isLoopback(InetSocketAddress address) {
    String host = address.getHostString();
    return host.equals("localhost") || host.startsWith("127.") || host.equals("::1");
  }
}
