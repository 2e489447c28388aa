package io.weft.k8s.model;

/** The Kubernetes kinds the control plane reads, with where the API serves them. */
public enum ResourceKind {
  NAMESPACE("", "v1", "Namespace", "namespaces", false),
  SERVICE("", "v1", "Service", "services", true),
  POD("", "v1", "Pod", "pods", true),
  ENDPOINT_SLICE("discovery.k8s.io", "v1", "EndpointSlice", "endpointslices", true),
  SERVICE_ACCOUNT("", "v1", "ServiceAccount", "serviceaccounts", true),
  SERVICE_PROFILE("linkerd.io", "v1alpha2", "ServiceProfile", "serviceprofiles", true),
  SERVER("policy.linkerd.io", "v1beta3", "Server", "servers", true),
  HTTP_ROUTE("policy.linkerd.io", "v1beta3", "HTTPRoute", "httproutes", true),
  /** The version Linkerd 2.14 installs and Gateway API 1.x still serves. */
  GATEWAY_HTTP_ROUTE("gateway.networking.k8s.io", "v1beta1", "HTTPRoute", "httproutes", true),
  GRPC_ROUTE("gateway.networking.k8s.io", "v1", "GRPCRoute", "grpcroutes", true),
  AUTHORIZATION_POLICY("policy.linkerd.io", "v1alpha1", "AuthorizationPolicy", "authorizationpolicies", true),
  MESH_TLS_AUTHENTICATION("policy.linkerd.io", "v1alpha1", "MeshTLSAuthentication", "meshtlsauthentications", true),
  NETWORK_AUTHENTICATION("policy.linkerd.io", "v1alpha1", "NetworkAuthentication", "networkauthentications", true),
  SERVER_AUTHORIZATION("policy.linkerd.io", "v1beta1", "ServerAuthorization", "serverauthorizations", true),
  HTTP_LOCAL_RATE_LIMIT_POLICY("policy.linkerd.io", "v1alpha1", "HTTPLocalRateLimitPolicy", "httplocalratelimitpolicies", true);

  private final String group;
  private final String version;
  private final String kind;
  private final String plural;
  private final boolean namespaced;

  ResourceKind(String group, String version, String kind, String plural, boolean namespaced) {
    this.group = group;
    this.version = version;
    this.kind = kind;
    this.plural = plural;
    this.namespaced = namespaced;
  }

  public String group() { return group; }
  public String version() { return version; }
  public String kindName() { return kind; }
  public String plural() { return plural; }
  public boolean namespaced() { return namespaced; }

  public String apiVersion() {
    return group.isEmpty() ? version : group + "/" + version;
  }

  /** Looks a manifest's kind up; the group must match, any served version is accepted. */
  public static java.util.Optional<ResourceKind> of(String apiVersion, String kind) {
    String group = apiVersion == null || !apiVersion.contains("/") ? "" : apiVersion.substring(0, apiVersion.indexOf('/'));
    for (ResourceKind k : values()) {
      if (k.kind.equals(kind) && k.group.equals(group)) {
        return java.util.Optional.of(k);
      }
    }
    return java.util.Optional.empty();
  }
}
