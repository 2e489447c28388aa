package io.weft.k8s.model;

import com.fasterxml.jackson.annotation.JsonSubTypes;
import com.fasterxml.jackson.annotation.JsonTypeInfo;

/** A decoded Kubernetes object: the normalized form every backend produces and the event log records. */
@JsonTypeInfo(use = JsonTypeInfo.Id.NAME, property = "@kind")
@JsonSubTypes({
    @JsonSubTypes.Type(value = NamespaceResource.class, name = "Namespace"),
    @JsonSubTypes.Type(value = ServiceResource.class, name = "Service"),
    @JsonSubTypes.Type(value = PodResource.class, name = "Pod"),
    @JsonSubTypes.Type(value = EndpointSliceResource.class, name = "EndpointSlice"),
    @JsonSubTypes.Type(value = ServiceAccountResource.class, name = "ServiceAccount"),
    @JsonSubTypes.Type(value = ServiceProfileResource.class, name = "ServiceProfile"),
    @JsonSubTypes.Type(value = ServerResource.class, name = "Server"),
    @JsonSubTypes.Type(value = RouteResource.class, name = "Route"),
    @JsonSubTypes.Type(value = AuthorizationPolicyResource.class, name = "AuthorizationPolicy"),
    @JsonSubTypes.Type(value = MeshTlsAuthenticationResource.class, name = "MeshTLSAuthentication"),
    @JsonSubTypes.Type(value = NetworkAuthenticationResource.class, name = "NetworkAuthentication"),
    @JsonSubTypes.Type(value = ServerAuthorizationResource.class, name = "ServerAuthorization"),
    @JsonSubTypes.Type(value = RateLimitPolicyResource.class, name = "HTTPLocalRateLimitPolicy")})
public sealed interface KubeResource
    permits NamespaceResource, ServiceResource, PodResource, EndpointSliceResource,
        ServiceAccountResource, ServiceProfileResource, ServerResource, RouteResource,
        AuthorizationPolicyResource, MeshTlsAuthenticationResource, NetworkAuthenticationResource, ServerAuthorizationResource,
        RateLimitPolicyResource {

  ResourceMeta meta();

  ResourceKind resourceKind();

  default ResourceKey key() {
    return new ResourceKey(resourceKind(), meta().namespace(), meta().name());
  }

  /** The same object with another resourceVersion (the local cluster assigns its own). */
  KubeResource withResourceVersion(String resourceVersion);
}
