package io.weft.protocol.net;

import java.util.Optional;

/**
 * A {@code host[:port]} as the mesh reads it everywhere — a Destination path, a request's authority,
 * {@code l5d-dst-override}, a command-line address: the host is a DNS name (without a trailing dot)
 * or an IP literal (IPv6 without brackets), the port 1 to 65535. A port is split off only where it
 * cannot be part of an IPv6 literal: after {@code [v6]} or after the only colon.
 *
 * <p>Also the one place that builds and recognises Kubernetes service names,
 * {@code NAME.NAMESPACE.svc.CLUSTER_DOMAIN}. Parsing runs for every proxied request, so it uses
 * neither regular expressions nor exceptions for names.
 */
public record Authority(String host, int port) {
  /** HTTP's port: the one a Destination path or a request authority without a port means. */
  public static final int DEFAULT_PORT = 80;
  private static final int MAX_PORT = 65_535;
  private static final int MAX_PORT_DIGITS = 5;
  private static final String SVC = "svc";

  /** A Service's name and namespace. */
  public record ServiceName(String name, String namespace) {
    public String fqdn(String clusterDomain) {
      return serviceName(name, namespace, clusterDomain);
    }
  }

  public Authority {
    if (port < 1 || port > MAX_PORT) {
      throw new IllegalArgumentException("port " + port + " is not between 1 and " + MAX_PORT);
    }
  }

  /** {@code text} with port 80 when it has none; empty when it is not an authority. */
  public static Optional<Authority> parse(String text) {
    return parse(text, DEFAULT_PORT);
  }

  /** {@code text}, which must name its port; empty when it does not or is not an authority. */
  public static Optional<Authority> parseWithPort(String text) {
    return parse(text, 0);
  }

  /** Like {@link #parse(String)}, but says what is wrong. */
  public static Authority parseOrExplain(String text) {
    return parse(text).orElseThrow(() -> new IllegalArgumentException(explain(text)));
  }

  /** Why {@code text} is not an authority (for a message to the user). */
  public static String explain(String text) {
    if (text == null || text.isBlank()) {
      return "the authority is empty; want host:port";
    }
    int colon = portColon(text.trim());
    if (colon > 0 && port(text.trim(), colon + 1) < 0) {
      return "'" + text + "' has an invalid port '" + text.trim().substring(colon + 1) + "'";
    }
    return "'" + text + "' is not host:port";
  }

  private static Optional<Authority> parse(String text, int defaultPort) {
    if (text == null) {
      return Optional.empty();
    }
    String host = text.trim();
    int port = defaultPort;
    int colon = portColon(host);
    if (colon > 0) {
      port = port(host, colon + 1);
      host = host.substring(0, colon);
    }
    if (port < 1) {
      return Optional.empty();
    }
    if (host.startsWith("[") && host.endsWith("]")) {
      host = host.substring(1, host.length() - 1);
      if (!TcpAddresses.isIpLiteral(host)) {
        return Optional.empty();
      }
    }
    if (host.endsWith(".")) {
      host = host.substring(0, host.length() - 1);
    }
    if (host.isEmpty() || host.indexOf('[') >= 0 || host.indexOf(']') >= 0 || host.indexOf('/') >= 0
        || host.indexOf(' ') >= 0 || host.indexOf('@') >= 0) {
      return Optional.empty();
    }
    if (TcpAddresses.isIpLiteral(host)) {
      host = TcpAddresses.parseLiteral(host).getHostAddress();
    } else if (host.indexOf(':') >= 0) {
      return Optional.empty();
    }
    return Optional.of(new Authority(host, port));
  }

  /** Where the port starts, less one: the colon after {@code [v6]}, or the only colon; -1 when none. */
  private static int portColon(String text) {
    int colon = text.lastIndexOf(':');
    if (colon <= 0) {
      return -1;
    }
    boolean bracketed = text.startsWith("[") && text.charAt(colon - 1) == ']';
    return bracketed || text.indexOf(':') == colon ? colon : -1;
  }

  /** The port in {@code text} from {@code start} to its end, or -1 when that is not a port. */
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
    return port >= 1 && port <= MAX_PORT ? port : -1;
  }

  public boolean isIp() {
    return TcpAddresses.isIpLiteral(host);
  }

  /** {@code host:port}, an IPv6 host in brackets. */
  @Override
  public String toString() {
    return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
  }

  /**
   * The Service this authority names in a cluster whose domain is {@code clusterDomain}: its full
   * name, or a short one the cluster's DNS search path completes ({@code name.ns},
   * {@code name.ns.svc}). Empty for an IP or any other name.
   */
  public Optional<ServiceName> service(String clusterDomain) {
    if (isIp()) {
      return Optional.empty();
    }
    Optional<ServiceName> full = parseServiceName(host, clusterDomain);
    if (full.isPresent()) {
      return full;
    }
    String[] labels = host.split("\\.");
    if ((labels.length == 2 || (labels.length == 3 && labels[2].equals(SVC))) && !labels[0].isEmpty() && !labels[1].isEmpty()) {
      return Optional.of(new ServiceName(labels[0], labels[1]));
    }
    return Optional.empty();
  }

  /** {@code name.namespace.svc.clusterDomain}. */
  public static String serviceName(String name, String namespace, String clusterDomain) {
    return name + "." + namespace + "." + SVC + "." + clusterDomain;
  }

  /** The Service a full name {@code name.namespace.svc.clusterDomain[.]} names; empty for any other name. */
  public static Optional<ServiceName> parseServiceName(String fqdn, String clusterDomain) {
    String name = fqdn.endsWith(".") ? fqdn.substring(0, fqdn.length() - 1) : fqdn;
    String suffix = "." + SVC + "." + clusterDomain;
    if (!name.endsWith(suffix)) {
      return Optional.empty();
    }
    String service = name.substring(0, name.length() - suffix.length());
    int dot = service.indexOf('.');
    if (dot <= 0 || dot == service.length() - 1 || service.indexOf('.', dot + 1) >= 0) {
      return Optional.empty();
    }
    return Optional.of(new ServiceName(service.substring(0, dot), service.substring(dot + 1)));
  }
}
