package io.weft.operator.inject;

import java.util.List;

/**
 * What an injected proxy is configured with: the install's images, the control plane's addresses
 * and names, the trust anchors, Linkerd's port and user defaults, and the default inbound policy
 * and cluster networks a pod's annotations do not override.
 */
public record InjectionSettings(String proxyImage, String proxyVersion, String initImage, String controlPlaneNamespace,
                                String trustDomain, String clusterDomain, String trustAnchorsPem, int proxyUid,
                                boolean cniEnabled, List<Integer> defaultOpaquePorts, String defaultInboundPolicy,
                                String clusterNetworks, ProxyDefaults proxy, String createdBy) {
  /** The rest of a proxy's environment by default, written as given ({@code weft.proxy-injector.proxy}: Linkerd's chart values). */
  public record ProxyDefaults(String logLevel, String logFormat, String inboundConnectTimeout, String outboundConnectTimeout,
                              String inboundDiscoveryIdleTimeout, String outboundDiscoveryIdleTimeout,
                              String controlStreamInitialTimeout, String controlStreamIdleTimeout, String controlStreamLifetime,
                              String keepalive, String userTimeout, String http2KeepAliveInterval, String http2KeepAliveTimeout) {
    static ProxyDefaults from(com.typesafe.config.Config c) {
      return new ProxyDefaults(c.getString("log-level"), c.getString("log-format"), c.getString("inbound-connect-timeout"),
          c.getString("outbound-connect-timeout"), c.getString("inbound-discovery-idle-timeout"),
          c.getString("outbound-discovery-idle-timeout"), c.getString("control-stream-initial-timeout"),
          c.getString("control-stream-idle-timeout"), c.getString("control-stream-lifetime"), c.getString("keepalive"),
          c.getString("user-timeout"), c.getString("http2-keep-alive-interval"), c.getString("http2-keep-alive-timeout"));
    }
  }

  public static final int INBOUND_PORT = 4143;
  public static final int OUTBOUND_PORT = 4140;
  public static final int ADMIN_PORT = 4191;
  public static final int CONTROL_PORT = 4190;
  /**
   * The control plane serves Destination, Identity and Policy on one port. Proxies reach them through
   * headless Services, which do not translate ports, so all three addresses name this one.
   */
  public static final int CONTROL_PLANE_GRPC_PORT = 8086;

  /**
   * The settings of a control plane's injector: images, proxy user and CNI mode from
   * {@code weft.proxy-injector}, names from {@code weft.discovery} (an empty proxy version means
   * {@code version}).
   */
  public static InjectionSettings from(com.typesafe.config.Config config, String version, String trustAnchorsPem,
                                       String createdBy) {
    com.typesafe.config.Config injector = config.getConfig("weft.proxy-injector");
    com.typesafe.config.Config discovery = config.getConfig("weft.discovery");
    String proxyVersion = injector.getString("proxy-version");
    return new InjectionSettings(injector.getString("proxy-image"), proxyVersion.isEmpty() ? version : proxyVersion,
        injector.getString("init-image"), discovery.getString("control-plane-namespace"), discovery.getString("trust-domain"),
        discovery.getString("cluster-domain"), trustAnchorsPem, injector.getInt("proxy-uid"), injector.getBoolean("cni-enabled"),
        io.weft.protocol.net.PortRanges.parse(discovery.getString("default-opaque-ports")).stream().boxed().toList(),
        injector.getString("default-inbound-policy"), injector.getString("cluster-networks"),
        ProxyDefaults.from(injector.getConfig("proxy")), createdBy);
  }

  /** The defaults (reference.conf: Linkerd's names, ports and proxy user) with these trust anchors. */
  public static InjectionSettings defaults(String version, String trustAnchorsPem, String createdBy) {
    return from(com.typesafe.config.ConfigFactory.defaultReference(InjectionSettings.class.getClassLoader()), version,
        trustAnchorsPem, createdBy);
  }

  String serviceAddress(String service, int port) {
    // The trailing dot keeps the proxy's resolver from trying the pod's search path first.
    return io.weft.protocol.net.Authority.serviceName(service, controlPlaneNamespace, clusterDomain) + ".:" + port;
  }

  String identity(String serviceAccount) {
    return new io.weft.protocol.identity.MeshIdentity(serviceAccount, controlPlaneNamespace, controlPlaneNamespace, trustDomain).name();
  }
}
