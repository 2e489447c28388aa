package io.weft.actors.discovery;

import io.weft.protocol.net.TcpAddresses;

/** What a {@code Destination.Get} path names: a Service port or an IP:port. */
public sealed interface DestinationTarget {
  int port();

  record ServicePort(String namespace, String name, int port) implements DestinationTarget {
    public io.weft.actors.index.ClusterStore.Ref service() {
      return new io.weft.actors.index.ClusterStore.Ref(namespace, name);
    }

    public String fullyQualifiedName(String clusterDomain) {
      return name + "." + namespace + ".svc." + clusterDomain;
    }
  }

  record Address(String ip, int port) implements DestinationTarget {}

  /**
   * Parses {@code name.ns.svc.<cluster-domain>[.][:port]} (port 80 when absent) or {@code ip:port}.
   * Anything else is rejected with the reason.
   */
  static DestinationTarget parse(String path, String clusterDomain) {
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException("path is empty; want name.namespace.svc." + clusterDomain + ":port or ip:port");
    }
    String host = path;
    int port = 80;
    int colon = path.lastIndexOf(':');
    boolean bracketedV6 = path.startsWith("[");
    if (colon > 0 && (!path.contains("::") || bracketedV6) && (!bracketedV6 || colon > path.indexOf(']'))) {
      host = path.substring(0, colon);
      String portText = path.substring(colon + 1);
      if (!portText.matches("\\d{1,5}") || Integer.parseInt(portText) < 1 || Integer.parseInt(portText) > 65535) {
        throw new IllegalArgumentException("'" + path + "' has an invalid port '" + portText + "'");
      }
      port = Integer.parseInt(portText);
    }
    if (TcpAddresses.isIpLiteral(host)) {
      return new Address(TcpAddresses.parseLiteral(host).getHostAddress(), port);
    }
    String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
    String suffix = ".svc." + clusterDomain;
    if (!name.endsWith(suffix)) {
      throw new IllegalArgumentException("'" + path + "' is not a service in this cluster (want name.namespace" + suffix + ":port)");
    }
    String[] labels = name.substring(0, name.length() - suffix.length()).split("\\.");
    if (labels.length != 2 || labels[0].isEmpty() || labels[1].isEmpty()) {
      throw new IllegalArgumentException("'" + path + "' is not a service in this cluster (want name.namespace" + suffix + ":port)");
    }
    return new ServicePort(labels[1], labels[0], port);
  }
}
