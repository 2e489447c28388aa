package io.weft.actors.discovery;

import com.typesafe.config.ConfigFactory;
import io.linkerd.proxy.outbound.FailureAccrual;
import io.linkerd.proxy.outbound.OutboundPolicy;
import io.weft.actors.state.ServiceInputs;
import io.weft.k8s.decode.ManifestDecoder;
import io.weft.k8s.model.ResourceMeta;
import io.weft.k8s.model.RouteResource;
import io.weft.k8s.model.ServiceResource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class OutboundPolicyViewTest {
  private final DiscoverySettings discovery = DiscoverySettings.from(ConfigFactory.load());
  private final OutboundPolicyView view = new OutboundPolicyView(discovery, OutboundPolicySettings.from(ConfigFactory.load()),
      new EndpointView(discovery));

  private OutboundPolicy policy(int port, Map<String, String> annotations) {
    return policy(port, annotations, List.of());
  }

  private OutboundPolicy policy(int port, Map<String, String> annotations, List<RouteResource> routes) {
    ServiceResource service = new ServiceResource(new ResourceMeta("shop", "api", "", "1", Map.of(), annotations), "ClusterIP",
        "10.0.0.1", Map.of("app", "api"), List.of(new ServiceResource.ServicePort("http", port, 8080, null, "TCP")));
    return view.forService(new DestinationTarget.ServicePort("shop", "api", port),
        new ServiceInputs(service, List.of(), Map.of(), null, routes));
  }

  private static RouteResource route(String yaml) throws Exception {
    var json = new com.fasterxml.jackson.databind.ObjectMapper(new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(yaml);
    return (RouteResource) ManifestDecoder.decode(ManifestDecoder.kindOf(json).orElseThrow(), json);
  }

  private static final String HEADER_SPLIT = """
      apiVersion: policy.linkerd.io/v1beta3
      kind: HTTPRoute
      metadata: {name: api-canary, namespace: shop, creationTimestamp: "2026-01-01T00:00:00Z",
                 annotations: {retry.linkerd.io/http: "503", timeout.linkerd.io/response: 300ms}}
      spec:
        parentRefs: [{name: api, kind: Service, group: core, port: 80}]
        hostnames: ["api.example.com", "*.shop.example"]
        rules:
        - matches:
          - headers: [{name: X-Canary, value: "yes"}]
            path: {type: Exact, value: /v1/items}
            method: GET
          filters:
          - type: RequestHeaderModifier
            requestHeaderModifier: {set: [{name: x-route, value: canary}], remove: [x-debug]}
          backendRefs:
          - {name: api-v2, port: 8080, weight: 90}
          - {name: legacy, kind: Bucket, group: storage.example, port: 1}
          timeouts: {request: 2s, backendRequest: 500ms}
        - filters:
          - type: RequestRedirect
            requestRedirect: {scheme: https, hostname: api.example.com, path: {type: ReplacePrefixMatch, replacePrefixMatch: /v2}, statusCode: 301}
      """;

  @Test
  void anHttpRouteWhoseParentIsTheServicePortBecomesItsRoutes() throws Exception {
    OutboundPolicy policy = policy(80, Map.of(PolicyAnnotations.RETRY_HTTP, "5xx"), List.of(route(HEADER_SPLIT)));
    var routes = policy.getProtocol().getDetect().getHttp1().getRoutesList();
    assertThat(routes).hasSize(1);
    var route = routes.get(0);
    assertThat(route.getMetadata().getResource().getKind()).isEqualTo("HTTPRoute");
    assertThat(route.getMetadata().getResource().getGroup()).isEqualTo("policy.linkerd.io");
    assertThat(route.getHostsList()).extracting(h -> h.hasExact() ? h.getExact() : String.join(".", h.getSuffix().getReverseLabelsList()))
        .containsExactly("api.example.com", "example.shop");
    var canary = route.getRules(0);
    assertThat(canary.getMatches(0).getPath().getExact()).isEqualTo("/v1/items");
    assertThat(canary.getMatches(0).getHeaders(0).getName()).as("header names are lower-cased").isEqualTo("x-canary");
    assertThat(canary.getMatches(0).getMethod().getRegistered().name()).isEqualTo("GET");
    assertThat(canary.getFilters(0).getRequestHeaderModifier().getSet().getHeaders(0).getName()).isEqualTo("x-route");
    var backends = canary.getBackends().getRandomAvailable().getBackendsList();
    assertThat(backends.get(0).getWeight()).isEqualTo(90);
    assertThat(backends.get(0).getBackend().getBackend().getBalancer().getDiscovery().getDst().getPath())
        .isEqualTo("api-v2.shop.svc.cluster.local:8080");
    assertThat(backends.get(0).getBackend().getRequestTimeout().getNanos()).as("backendRequest is per backend request").isEqualTo(500_000_000);
    assertThat(backends.get(1).getBackend().getFilters(0).getFailureInjector().getStatus())
        .as("a backend that is no Service fails its share with a message").isEqualTo(500);
    assertThat(canary.getTimeouts().getRequest().getSeconds()).isEqualTo(2);
    assertThat(canary.getTimeouts().getResponse().getNanos()).as("the route's annotations").isEqualTo(300_000_000);
    assertThat(canary.getRetry().getConditions().getStatusRanges(0).getStart()).as("the route's annotations replace the Service's")
        .isEqualTo(503);

    var rest = route.getRules(1);
    assertThat(rest.getMatches(0).getPath().getPrefix()).as("no matches: every request").isEqualTo("/");
    assertThat(rest.getFilters(0).getRedirect().getStatus()).isEqualTo(301);
    assertThat(rest.getFilters(0).getRedirect().getPath().getPrefix()).isEqualTo("/v2");
    assertThat(rest.getBackends().getRandomAvailable().getBackends(0).getBackend().getBackend().getBalancer().getDiscovery()
        .getDst().getPath()).as("no backendRefs: the parent itself").isEqualTo("api.shop.svc.cluster.local:80");
  }

  @Test
  void aRouteForAnotherPortOrServiceDoesNotApply() throws Exception {
    OutboundPolicy policy = policy(8081, Map.of(), List.of(route(HEADER_SPLIT)));
    assertThat(policy.getProtocol().getDetect().getHttp1().getRoutes(0).getMetadata().getDefault()).isEqualTo("http");
  }

  @Test
  void grpcRoutesMakeThePortGrpcs() throws Exception {
    RouteResource grpc = route("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: GRPCRoute
        metadata: {name: api-grpc, namespace: shop, annotations: {retry.linkerd.io/grpc: "unavailable,internal", retry.linkerd.io/limit: "2"}}
        spec:
          parentRefs: [{name: api, kind: Service, port: 80}]
          rules:
          - matches: [{method: {service: shop.Items, method: List}}]
            backendRefs: [{name: api, port: 80}]
        """);
    OutboundPolicy policy = policy(80, Map.of(), List.of(route(HEADER_SPLIT), grpc));
    assertThat(policy.getProtocol().hasGrpc()).isTrue();
    var rule = policy.getProtocol().getGrpc().getRoutes(0).getRules(0);
    assertThat(rule.getMatches(0).getRpc().getService()).isEqualTo("shop.Items");
    assertThat(rule.getRetry().getMaxRetries()).isEqualTo(2);
    assertThat(rule.getRetry().getConditions().getUnavailable()).isTrue();
    assertThat(rule.getRetry().getConditions().getInternal()).isTrue();
    assertThat(rule.getRetry().getConditions().getCancelled()).isFalse();
  }

  @Test
  void aServiceGetsTheDefaultRouteToItsOwnBalancedBackend() {
    OutboundPolicy policy = policy(80, Map.of());
    assertThat(policy.getMetadata().getResource().getKind()).isEqualTo("Service");
    var http1 = policy.getProtocol().getDetect().getHttp1();
    assertThat(http1.hasFailureAccrual()).isFalse();
    var backend = http1.getRoutes(0).getRules(0).getBackends().getFirstAvailable().getBackends(0).getBackend();
    assertThat(backend.getBalancer().getDiscovery().getDst().getPath()).isEqualTo("api.shop.svc.cluster.local:80");
    assertThat(backend.getQueue().getCapacity()).isEqualTo(100);
    assertThat(backend.getBalancer().getPeakEwma().getDefaultRtt().getNanos()).isEqualTo(30_000_000);
    assertThat(policy.getProtocol().getDetect().getTimeout().getSeconds()).isEqualTo(10);
  }

  @Test
  void anOpaquePortIsOpaque() {
    assertThat(policy(3306, Map.of()).getProtocol().hasOpaque()).isTrue();
  }

  @Test
  void failureAccrualComesFromTheAnnotationsWithLinkerdsDefaults() {
    FailureAccrual defaults = policy(80, Map.of(PolicyAnnotations.FAILURE_ACCRUAL, "consecutive"))
        .getProtocol().getDetect().getHttp1().getFailureAccrual();
    assertThat(defaults.getConsecutiveFailures().getMaxFailures()).isEqualTo(7);
    assertThat(defaults.getConsecutiveFailures().getBackoff().getMinBackoff().getSeconds()).isEqualTo(1);
    assertThat(defaults.getConsecutiveFailures().getBackoff().getMaxBackoff().getSeconds()).isEqualTo(60);
    assertThat(defaults.getConsecutiveFailures().getBackoff().getJitterRatio()).isEqualTo(0.5f);

    FailureAccrual tuned = policy(80, Map.of(PolicyAnnotations.FAILURE_ACCRUAL, "consecutive", PolicyAnnotations.MAX_FAILURES, "3",
        PolicyAnnotations.MIN_PENALTY, "500ms", PolicyAnnotations.MAX_PENALTY, "1m30s", PolicyAnnotations.JITTER, "0"))
        .getProtocol().getDetect().getHttp2().getFailureAccrual();
    assertThat(tuned.getConsecutiveFailures().getMaxFailures()).isEqualTo(3);
    assertThat(tuned.getConsecutiveFailures().getBackoff().getMinBackoff().getNanos()).isEqualTo(500_000_000);
    assertThat(tuned.getConsecutiveFailures().getBackoff().getMaxBackoff().getSeconds()).isEqualTo(90);
  }

  @Test
  void annotationsThatCannotBeUsedLeaveTheDefaults() {
    assertThat(policy(80, Map.of(PolicyAnnotations.FAILURE_ACCRUAL, "sometimes")).getProtocol().getDetect().getHttp1()
        .hasFailureAccrual()).isFalse();
    FailureAccrual garbled = policy(80, Map.of(PolicyAnnotations.FAILURE_ACCRUAL, "consecutive", PolicyAnnotations.MAX_FAILURES, "many",
        PolicyAnnotations.MIN_PENALTY, "soon")).getProtocol().getDetect().getHttp1().getFailureAccrual();
    assertThat(garbled.getConsecutiveFailures().getMaxFailures()).isEqualTo(7);
    assertThat(garbled.getConsecutiveFailures().getBackoff().getMinBackoff().getSeconds()).isEqualTo(1);
    FailureAccrual inverted = policy(80, Map.of(PolicyAnnotations.FAILURE_ACCRUAL, "consecutive", PolicyAnnotations.MIN_PENALTY, "5m",
        PolicyAnnotations.MAX_PENALTY, "1s")).getProtocol().getDetect().getHttp1().getFailureAccrual();
    assertThat(inverted.getConsecutiveFailures().getBackoff().getMinBackoff().getSeconds()).isEqualTo(1);
    assertThat(inverted.getConsecutiveFailures().getBackoff().getMaxBackoff().getSeconds()).isEqualTo(60);
  }

  @Test
  void retryAndTimeoutAnnotationsGoOnTheDefaultRoute() {
    var rule = policy(80, Map.of(PolicyAnnotations.RETRY_HTTP, "gateway-error, 429", PolicyAnnotations.RETRY_TIMEOUT, "250ms",
        PolicyAnnotations.TIMEOUT_REQUEST, "2s")).getProtocol().getDetect().getHttp1().getRoutes(0).getRules(0);
    assertThat(rule.getRetry().getMaxRetries()).as("Linkerd's limit when none is given").isEqualTo(1);
    assertThat(rule.getRetry().getConditions().getStatusRangesList())
        .extracting(r -> r.getStart() + "-" + r.getEnd()).containsExactly("502-504", "429-429");
    assertThat(rule.getRetry().getTimeout().getNanos()).isEqualTo(250_000_000);
    assertThat(rule.getRetry().getMaxRequestBytes()).isEqualTo(64 * 1024);
    assertThat(rule.getRetry().getBackoff().getMinBackoff().getNanos()).as("Linkerd's 25 ms to 250 ms").isEqualTo(25_000_000);
    assertThat(rule.getRetry().getBackoff().getMaxBackoff().getNanos()).isEqualTo(250_000_000);
    assertThat(rule.getTimeouts().getRequest().getSeconds()).isEqualTo(2);

    var limitOnly = policy(80, Map.of(PolicyAnnotations.RETRY_LIMIT, "3")).getProtocol().getDetect().getHttp1().getRoutes(0).getRules(0);
    assertThat(limitOnly.getRetry().getMaxRetries()).isEqualTo(3);
    assertThat(limitOnly.getRetry().getConditions().getStatusRanges(0).getStart()).as("5xx by default").isEqualTo(500);

    var garbled = policy(80, Map.of(PolicyAnnotations.RETRY_HTTP, "5xx,teapot")).getProtocol().getDetect().getHttp1().getRoutes(0)
        .getRules(0);
    assertThat(garbled.hasRetry()).as("statuses that cannot be read turn retries off").isFalse();
    assertThat(policy(80, Map.of()).getProtocol().getDetect().getHttp1().getRoutes(0).getRules(0).hasTimeouts()).isFalse();
  }
}
