package io.weft.operator.admission;

import com.fasterxml.jackson.databind.JsonNode;
import io.weft.k8s.decode.ManifestDecoder;
import io.weft.k8s.decode.ManifestException;
import io.weft.k8s.model.ResourceKind;
import io.weft.protocol.net.Cidr;

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
  private static final Set<String> AUTHORIZATION_TARGETS = Set.of("Server", "HTTPRoute", "GRPCRoute", "Namespace");
  private static final Set<String> AUTHENTICATIONS = Set.of("MeshTLSAuthentication", "NetworkAuthentication", "ServiceAccount");
  private static final Set<String> IDENTITY_REF_KINDS = Set.of("ServiceAccount", "Namespace");
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
          case "AuthorizationPolicy" -> authorizationPolicy(spec);
          case "MeshTLSAuthentication" -> meshTlsAuthentication(spec);
          case "NetworkAuthentication" -> networks(spec.path("networks"), "spec.networks");
          case "ServerAuthorization" -> serverAuthorization(spec);
          case "HTTPRoute" -> route(object, spec, ResourceKind.HTTP_ROUTE);
          case "HTTPLocalRateLimitPolicy" -> rateLimit(spec);
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

  private static void authorizationPolicy(JsonNode spec) throws ManifestException {
    target(spec.path("targetRef"), "spec.targetRef", AUTHORIZATION_TARGETS);
    JsonNode refs = spec.path("requiredAuthenticationRefs");
    int network = 0;
    int mesh = 0;
    for (int i = 0; i < refs.size(); i++) {
      String kind = target(refs.get(i), "spec.requiredAuthenticationRefs[" + i + "]", AUTHENTICATIONS);
      if (kind.equals("NetworkAuthentication")) {
        network++;
      } else {
        mesh++;
      }
    }
    if (network > 1 || mesh > 1) {
      throw new ManifestException("spec.requiredAuthenticationRefs",
          "at most one NetworkAuthentication and one MeshTLSAuthentication or ServiceAccount");
    }
  }

  private static void meshTlsAuthentication(JsonNode spec) throws ManifestException {
    boolean identities = spec.path("identities").size() > 0;
    boolean refs = spec.path("identityRefs").size() > 0;
    if (identities == refs) {
      throw new ManifestException("spec", "needs exactly one of identities and identityRefs, not empty");
    }
    JsonNode names = spec.path("identities");
    for (int i = 0; i < names.size(); i++) {
      String identity = names.get(i).asText("");
      if (!identity.equals("*") && !identity.matches("(\\*\\.)?[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*")) {
        throw new ManifestException("spec.identities[" + i + "]", "'" + identity + "' is not an identity name");
      }
    }
    JsonNode identityRefs = spec.path("identityRefs");
    for (int i = 0; i < identityRefs.size(); i++) {
      target(identityRefs.get(i), "spec.identityRefs[" + i + "]", IDENTITY_REF_KINDS);
    }
  }

  private static void serverAuthorization(JsonNode spec) throws ManifestException {
    JsonNode server = spec.path("server");
    if (server.has("name") == server.has("selector")) {
      throw new ManifestException("spec.server", "needs exactly one of name and selector");
    }
    JsonNode client = spec.path("client");
    if (!client.path("unauthenticated").asBoolean(false) && !client.has("meshTLS")) {
      throw new ManifestException("spec.client", "needs meshTLS or unauthenticated: true");
    }
    if (client.has("networks")) {
      networks(client.path("networks"), "spec.client.networks");
    }
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

  private static void rateLimit(JsonNode spec) throws ManifestException {
    target(spec.path("targetRef"), "spec.targetRef", Set.of("Server"));
    JsonNode total = spec.path("total").path("requestsPerSecond");
    if (!total.isMissingNode() && total.asLong(0) <= 0) {
      throw new ManifestException("spec.total.requestsPerSecond", "must be positive");
    }
  }

  private static void egressNetwork(JsonNode spec) throws ManifestException {
    String policy = spec.path("trafficPolicy").asText("");
    if (!policy.equals("Allow") && !policy.equals("Deny")) {
      throw new ManifestException("spec.trafficPolicy", "is Allow or Deny, not '" + policy + "'");
    }
    if (spec.has("networks")) {
      networks(spec.path("networks"), "spec.networks");
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

  private static void networks(JsonNode networks, String field) throws ManifestException {
    if (networks.isEmpty()) {
      throw new ManifestException(field, "needs at least one network");
    }
    for (int i = 0; i < networks.size(); i++) {
      String at = field + "[" + i + "]";
      Cidr cidr = cidr(networks.get(i).path("cidr").asText(""), at + ".cidr");
      JsonNode except = networks.get(i).path("except");
      for (int e = 0; e < except.size(); e++) {
        Cidr excluded = cidr(except.get(e).asText(""), at + ".except[" + e + "]");
        if (!cidr.contains(excluded)) {
          throw new ManifestException(at + ".except[" + e + "]", excluded + " is not within " + cidr);
        }
      }
    }
  }

  private static Cidr cidr(String text, String field) throws ManifestException {
    try {
      return Cidr.parse(text);
    } catch (IllegalArgumentException e) {
      throw new ManifestException(field, e.getMessage());
    }
  }
}
