package io.weft.actors.discovery;

import java.util.Map;

/**
 * One endpoint as a proxy should see it. {@code identity} is empty for unmeshed pods;
 * {@code opaqueTransportPort} is 0 unless the peer proxy expects the transport header.
 */
public record EndpointInfo(String ip, int port, int weight, Map<String, String> labels, String identity,
                           Hint hint, int opaqueTransportPort) {
  public enum Hint { NONE, H2, OPAQUE }

  public String address() {
    return ip.contains(":") ? "[" + ip + "]:" + port : ip + ":" + port;
  }
}
