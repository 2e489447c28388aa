package io.weft.operator.admission;

import com.fasterxml.jackson.databind.JsonNode;
import io.weft.k8s.decode.ManifestDecoder;
import io.weft.k8s.decode.ManifestException;
import io.weft.k8s.model.ResourceKind;

import java.util.Optional;
import java.util.Set;

/**
 * What the validating webhooks refuse before it is stored: a ServiceProfile or one of Linkerd's
 * policy resources that the schema accepts but the mesh could not use (a bad regex, two pod
 * selectors, a CIDR that does not parse, a reference to a kind policy cannot target). The same
 * rules Linkerd's sp-validator and policy validator apply, each answer naming the field.
 */
public final class ResourceValidator {
  private static final String POLICY = "policy.linkerd.io";
  /** Gateway API routes, which Linkerd's policy also reads (same rules as its own HTTPRoute). */
  private static final String GATEWAY = "gateway.networking.k8s.io";
  private static final Set<String> PROXY_PROTOCOLS = Set.of("unknown", "HTTP/1", "HTTP/2", "gRPC", "opaque", "TLS");
  private static final Set<String> ROUTE_PARENTS = Set.of("Server", "Service", "EgressNetwork");

  /** Why {@code object} must be refused, or empty when it is acceptable (kinds it does not know are). */
  public Optional<String> problem(JsonNode object) {
    String apiVersion = object.path("apiVersion").asText("");
    String group = apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    String kind = object.path("kind").asText("");
    JsonNode spec = object.path("spec");
    try {
      if (group.equals("linkerd.io") && kind.equals("ServiceProfile")) {
        ManifestDecoder.decode(ResourceKind.SERVICE_PROFILE, object);
      } else if (group.equals(GATEWAY) && (kind.equals("HTTPRoute") || kind.equals("GRPCRoute")) && meshRoute(spec)) {
        route(object, spec, kind.equals("HTTPRoute") ? ResourceKind.GATEWAY_HTTP_ROUTE : ResourceKind.GRPC_ROUTE);
      } else if (group.equals(POLICY)) {
        switch (kind) {
          case "Server" -> server(object, spec);
          case "AuthorizationPolicy" -> ManifestDecoder.decode(ResourceKind.AUTHORIZATION_POLICY, object);
          case "MeshTLSAuthentication" -> ManifestDecoder.decode(ResourceKind.MESH_TLS_AUTHENTICATION, object);
          case "NetworkAuthentication" -> ManifestDecoder.decode(ResourceKind.NETWORK_AUTHENTICATION, object);
          case "ServerAuthorization" -> ManifestDecoder.decode(ResourceKind.SERVER_AUTHORIZATION, object);
          case "HTTPRoute" -> route(object, spec, ResourceKind.HTTP_ROUTE);
          case "HTTPLocalRateLimitPolicy" -> ManifestDecoder.decode(ResourceKind.HTTP_LOCAL_RATE_LIMIT_POLICY, object);
          case "EgressNetwork" -> egressNetwork(spec);
          default -> { }
        }
      }
      return Optional.empty();
    } catch (ManifestException e) {
      return Optional.of(kind + " " + object.path("metadata").path("name").asText("") + ": " + e.getMessage());
    }
  }

  private static void server(JsonNode object, JsonNode spec) throws ManifestException {
    boolean pods = spec.has("podSelector");
    boolean workloads = spec.has("externalWorkloadSelector");
    if (pods == workloads) {
      throw new ManifestException("spec", "needs exactly one of podSelector and externalWorkloadSelector");
    }
    String protocol = spec.path("proxyProtocol").asText("unknown");
    if (!PROXY_PROTOCOLS.contains(protocol)) {
      throw new ManifestException("spec.proxyProtocol", "'" + protocol + "' is not one of " + String.join(", ",
          new java.util.TreeSet<>(PROXY_PROTOCOLS)));
    }
    ManifestDecoder.decode(ResourceKind.SERVER, object);
  }

  /** A route's parents must be kinds the mesh routes for; the rest is what the decoder refuses. */
  private static void route(JsonNode object, JsonNode spec, ResourceKind kind) throws ManifestException {
    JsonNode parents = spec.path("parentRefs");
    if (parents.isEmpty()) {
      throw new ManifestException("spec.parentRefs", "is required");
    }
    for (int i = 0; i < parents.size(); i++) {
      target(parents.get(i), "spec.parentRefs[" + i + "]", ROUTE_PARENTS);
    }
    ManifestDecoder.decode(kind, object);
  }

  /**
   * Whether a Gateway API route is the mesh's: all its parents are kinds the mesh routes for. A route
   * attached to a Gateway belongs to that gateway's implementation and is none of this webhook's business.
   */
  private static boolean meshRoute(JsonNode spec) {
    JsonNode parents = spec.path("parentRefs");
    for (JsonNode parent : parents) {
      if (!ROUTE_PARENTS.contains(parent.path("kind").asText(""))) {
        return false;
      }
    }
    return !parents.isEmpty();
  }

  private static void egressNetwork(JsonNode spec) throws ManifestException {
    String policy = spec.path("trafficPolicy").asText("");
    if (!policy.equals("Allow") && !policy.equals("Deny")) {
      throw new ManifestException("spec.trafficPolicy", "is Allow or Deny, not '" + policy + "'");
    }
    if (spec.has("networks")) {
      ManifestDecoder.checkNetworks(spec.path("networks"), "spec.networks");
    }
  }

  /** The kind a reference names, which must be one of {@code kinds}. */
  private static String target(JsonNode ref, String field, Set<String> kinds) throws ManifestException {
    String kind = ref.path("kind").asText("");
    if (kind.isEmpty()) {
      throw new ManifestException(field + ".kind", "is required");
    }
    if (!kinds.contains(kind)) {
      throw new ManifestException(field + ".kind", "'" + kind + "' is not one of " + String.join(", ", new java.util.TreeSet<>(kinds)));
    }
    return kind;
  }
}
