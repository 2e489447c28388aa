package io.weft.k8s.inject;

import java.util.List;

/**
 * What an injected proxy is configured with: the install's images, the control plane's addresses
 * and names, the trust anchors, and Linkerd's port and user defaults.
 */
public record InjectionSettings(String proxyImage, String proxyVersion, String initImage, String controlPlaneNamespace,
                                String trustDomain, String clusterDomain, String trustAnchorsPem, int proxyUid,
                                boolean cniEnabled, List<Integer> defaultOpaquePorts, String createdBy) {
  public static final int INBOUND_PORT = 4143;
  public static final int OUTBOUND_PORT = 4140;
  public static final int ADMIN_PORT = 4191;
  public static final int CONTROL_PORT = 4190;
  public static final int DESTINATION_PORT = 8086;
  public static final int IDENTITY_PORT = 8080;
  public static final int POLICY_PORT = 8090;

  /** Linkerd's defaults with these images and trust anchors. */
  public static InjectionSettings defaults(String version, String trustAnchorsPem, String createdBy) {
    return new InjectionSettings("ghcr.io/weft-mesh/proxy", version, "ghcr.io/weft-mesh/proxy-init", "linkerd", "cluster.local",
        "cluster.local", trustAnchorsPem, 2102, false, List.of(25, 587, 3306, 4444, 5432, 6379, 9300, 11211), createdBy);
  }

  String serviceAddress(String service, int port) {
    return service + "." + controlPlaneNamespace + ".svc." + clusterDomain + ".:" + port;
  }

  String identity(String serviceAccount) {
    return serviceAccount + "." + controlPlaneNamespace + ".serviceaccount.identity." + controlPlaneNamespace + "." + trustDomain;
  }
}
