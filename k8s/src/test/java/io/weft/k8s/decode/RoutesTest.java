package io.weft.k8s.decode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.weft.k8s.model.ResourceKind;
import io.weft.k8s.model.RouteResource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class RoutesTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

  private static RouteResource decode(String yaml) throws Exception {
    JsonNode json = YAML.readTree(yaml);
    return (RouteResource) ManifestDecoder.decode(ManifestDecoder.kindOf(json).orElseThrow(), json);
  }

  /** The booksapp policy route from Linkerd's documentation (v1beta1; a path without a type is a prefix). */
  @Test
  void linkerdsBooksappRouteDecodes() throws Exception {
    RouteResource route = decode("""
        apiVersion: policy.linkerd.io/v1beta1
        kind: HTTPRoute
        metadata: {name: authors-get-route, namespace: booksapp, creationTimestamp: "2026-03-01T10:00:00Z"}
        spec:
          parentRefs:
            - {name: authors, kind: Server, group: policy.linkerd.io}
          rules:
            - matches:
              - path: {value: "/authors.json"}
                method: GET
              - path: {value: "/authors/", type: "PathPrefix"}
                method: GET
        """);
    assertThat(route.resourceKind()).isEqualTo(ResourceKind.HTTP_ROUTE);
    assertThat(route.created()).isEqualTo("2026-03-01T10:00:00Z");
    assertThat(route.parents().getFirst().isService()).isFalse();
    assertThat(route.parents().getFirst().namespace()).as("the route's own namespace").isEqualTo("booksapp");
    RouteResource.Match first = route.rules().getFirst().matches().getFirst();
    assertThat(first.path()).isEqualTo(new RouteResource.PathMatch(RouteResource.PathType.PREFIX, "/authors.json"));
    assertThat(first.method()).isEqualTo("GET");
  }

  @Test
  void aGatewayRouteToAServiceWithWeightsAndTimeouts() throws Exception {
    RouteResource route = decode("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: smiley-split, namespace: faces}
        spec:
          parentRefs: [{name: smiley, kind: Service, port: 80}]
          rules:
          - backendRefs:
            - {name: smiley, port: 80, weight: 50}
            - {name: smiley2, namespace: faces2, port: 80}
            timeouts: {request: 5s, backendRequest: 1500ms}
        """);
    assertThat(route.resourceKind()).isEqualTo(ResourceKind.GATEWAY_HTTP_ROUTE);
    assertThat(route.parents().getFirst().isService()).as("kind Service with no group is the core Service").isTrue();
    RouteResource.Rule rule = route.rules().getFirst();
    assertThat(rule.backends()).extracting(RouteResource.BackendRef::namespace, RouteResource.BackendRef::weight)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("faces", 50), org.assertj.core.groups.Tuple.tuple("faces2", 1));
    assertThat(rule.requestTimeout()).hasSeconds(5);
    assertThat(rule.backendRequestTimeout()).hasMillis(1500);
    assertThat(rule.matches()).isEmpty();
  }

  @Test
  void aGrpcRouteMatchesMethods() throws Exception {
    RouteResource route = decode("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: items, namespace: shop}
        spec:
          parentRefs: [{name: api, kind: Service, group: core}]
          rules:
          - matches: [{method: {service: shop.Items, method: List}, headers: [{name: x-tier, value: gold}]}]
        """);
    assertThat(route.grpc()).isTrue();
    assertThat(route.rules().getFirst().matches().getFirst().grpcMethod()).isEqualTo(new RouteResource.GrpcMethod("shop.Items", "List"));
  }

  private static String withRule(String rule) {
    return """
        apiVersion: policy.linkerd.io/v1beta3
        kind: HTTPRoute
        metadata: {name: bad, namespace: shop}
        spec:
          parentRefs: [{name: api, kind: Service, group: core, port: 80}]
          rules:
        """ + rule.indent(2);
  }

  @Test
  void whatTheMeshCannotUseIsRefusedWithTheFieldNamed() {
    assertThatThrownBy(() -> decode(withRule("- matches: [{path: {type: RegularExpression, value: \"/(\"}}]")))
        .hasMessageContaining("spec.rules[0].matches[0].path.value").hasMessageContaining("regular expression");
    assertThatThrownBy(() -> decode(withRule("- matches: [{path: {type: Exact, value: books}}]")))
        .hasMessageContaining("spec.rules[0].matches[0].path.value").hasMessageContaining("does not start with /");
    assertThatThrownBy(() -> decode(withRule("- filters: [{type: URLRewrite, urlRewrite: {hostname: x}}]")))
        .hasMessageContaining("spec.rules[0].filters[0].type").hasMessageContaining("URLRewrite");
    assertThatThrownBy(() -> decode(withRule("- filters: [{type: RequestRedirect, requestRedirect: {statusCode: 307}}]")))
        .hasMessageContaining("spec.rules[0].filters[0].requestRedirect.statusCode");
    assertThatThrownBy(() -> decode(withRule("- backendRefs: [{name: api, port: 80, weight: -1}]")))
        .hasMessageContaining("spec.rules[0].backendRefs[0].weight");
    assertThatThrownBy(() -> decode(withRule("- backendRefs: [{name: api}]")))
        .hasMessageContaining("spec.rules[0].backendRefs[0].port").hasMessageContaining("required");
    assertThatThrownBy(() -> decode(withRule("- matches: [{method: FETCH}]")))
        .hasMessageContaining("spec.rules[0].matches[0].method");
    assertThatThrownBy(() -> decode(withRule("- timeouts: {request: soon}")))
        .hasMessageContaining("spec.rules[0].timeouts.request");
    assertThatThrownBy(() -> decode(withRule("- filters: [{type: RequestHeaderModifier, requestHeaderModifier: {set: [{name: x, value: \"a\\r\\nb\"}]}}]")))
        .hasMessageContaining("spec.rules[0].filters[0].requestHeaderModifier.set[0].value");
    assertThatThrownBy(() -> decode("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: bad, namespace: shop}
        spec:
          parentRefs: [{name: api, kind: Service}]
          rules:
          - matches: [{method: {type: RegularExpression, service: "shop\\\\..*"}}]
        """)).hasMessageContaining("spec.rules[0].matches[0].method.type");
  }
}
