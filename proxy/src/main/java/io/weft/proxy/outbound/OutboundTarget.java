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
  private static final int MAX_PORT = 65_535;
  private static final int MAX_PORT_DIGITS = 5;

  /** The port in {@code text} from {@code start} to its end, or -1 when that is not a port (1 to 5 digits, at most 65535). */
  private static int port(String text, int start) {
    int length = text.length() - start;
    if (length < 1 || length > MAX_PORT_DIGITS) {
      return -1;
    }
    int port = 0;
    for (int i = start; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c < '0' || c > '9') {
        return -1;
      }
      port = port * 10 + (c - '0');
    }
    return port <= MAX_PORT ? port : -1;
  }

  public static Optional<OutboundTarget> parse(String authority, String clusterDomain) {
    if (authority == null || authority.isBlank()) {
      return Optional.empty();
    }
    String host = authority.trim();
    int port = DEFAULT_PORT;
    int colon = host.lastIndexOf(':');
    if (colon > 0 && host.indexOf(']') < colon && (host.startsWith("[") || host.indexOf(':') == colon)) {
      port = port(host, colon + 1);
      if (port < 0) {
        return Optional.empty();
      }
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
    // The name as addressed stays the host: if it is no Service, the fallback goes where the
    // application meant (its resolver would have tried the search path and then the name itself).
    return Optional.of(new OutboundTarget(name, port, Optional.of(fqdn + ":" + port)));
  }
}
