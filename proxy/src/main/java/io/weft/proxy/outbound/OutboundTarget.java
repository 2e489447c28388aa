package io.weft.proxy.outbound;

import io.weft.protocol.net.TcpAddresses;

import java.util.Optional;

/**
 * Where an outbound request is going, from {@code l5d-dst-override} or else its authority, and
 * the name to ask the Destination API about ({@code name.ns.svc.<cluster-domain>:port} or
 * {@code ip:port}). Short in-cluster names ({@code web-svc.emojivoto}) are completed the way the
 * cluster's DNS search path would; other names are not the mesh's to resolve.
 */
public record OutboundTarget(String host, int port, Optional<String> discoveryPath) {
  public static final String DST_OVERRIDE = "l5d-dst-override";
  private static final int DEFAULT_PORT = 80;

  public static Optional<OutboundTarget> parse(String authority, String clusterDomain) {
    if (authority == null || authority.isBlank()) {
      return Optional.empty();
    }
    String host = authority.trim();
    int port = DEFAULT_PORT;
    int colon = host.lastIndexOf(':');
    if (colon > 0 && host.indexOf(']') < colon && (host.startsWith("[") || host.indexOf(':') == colon)) {
      String portText = host.substring(colon + 1);
      if (!portText.matches("\\d{1,5}") || Integer.parseInt(portText) > 65535) {
        return Optional.empty();
      }
      port = Integer.parseInt(portText);
      host = host.substring(0, colon);
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
    }
    if (TcpAddresses.isIpLiteral(host)) {
      String ip = TcpAddresses.parseLiteral(host).getHostAddress();
      return Optional.of(new OutboundTarget(ip, port, Optional.of((ip.contains(":") ? "[" + ip + "]" : ip) + ":" + port)));
    }
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    String[] labels = name.split("\\.");
    String fqdn;
    if (name.endsWith(".svc." + clusterDomain) && labels.length == 3 + clusterDomain.split("\\.").length) {
      fqdn = name;
    } else if (labels.length == 3 && labels[2].equals("svc")) {
      fqdn = name + "." + clusterDomain;
    } else if (labels.length == 2) {
      fqdn = name + ".svc." + clusterDomain;
    } else {
      return Optional.of(new OutboundTarget(name, port, Optional.empty()));
    }
    return Optional.of(new OutboundTarget(fqdn, port, Optional.of(fqdn + ":" + port)));
  }
}
