package io.weft.actors.discovery;

import io.weft.actors.state.ObjectRef;
import io.weft.protocol.net.Authority;

/** What a {@code Destination.Get} path names: a Service port or an IP:port. */
public sealed interface DestinationTarget {
  int port();

  record ServicePort(String namespace, String name, int port) implements DestinationTarget {
    public ObjectRef service() {
      return new ObjectRef(namespace, name);
    }

    public String fullyQualifiedName(String clusterDomain) {
      return Authority.serviceName(name, namespace, clusterDomain);
    }
  }

  record Address(String ip, int port) implements DestinationTarget {}

  /**
   * Parses {@code name.ns.svc.<cluster-domain>[.][:port]} (port 80 when absent) or {@code ip:port}.
   * Anything else is rejected with the reason.
   */
  static DestinationTarget parse(String path, String clusterDomain) {
    String want = "want " + Authority.serviceName("name", "namespace", clusterDomain) + ":port or ip:port";
    if (path == null || path.isBlank()) {
      throw new IllegalArgumentException("path is empty; " + want);
    }
    Authority authority = Authority.parse(path).orElseThrow(() -> new IllegalArgumentException(Authority.explain(path) + "; " + want));
    if (authority.isIp()) {
      return new Address(authority.host(), authority.port());
    }
    return Authority.parseServiceName(authority.host(), clusterDomain)
        .map(s -> new ServicePort(s.namespace(), s.name(), authority.port()))
        .orElseThrow(() -> new IllegalArgumentException("'" + path + "' is not a service in this cluster ("
            + want + ")"));
  }
}
