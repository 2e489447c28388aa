package io.weft.operator.admission;

import io.weft.k8s.decode.YamlDocuments;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/** What the validating webhooks refuse, and that Linkerd's own examples pass. */
class ResourceValidatorTest {
  private final ResourceValidator validator = new ResourceValidator();

  private java.util.Optional<String> problem(String yaml) {
    return validator.problem(YamlDocuments.read(yaml).getFirst());
  }

  @Test
  void linkerdsExamplesPass() {
    assertThat(problem("""
        apiVersion: policy.linkerd.io/v1beta3
        kind: Server
        metadata: {name: web-http, namespace: emojivoto}
        spec: {podSelector: {matchLabels: {app: web-svc}}, port: http, proxyProtocol: HTTP/1}
        """)).isEmpty();
    assertThat(problem("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: web-auth, namespace: emojivoto}
        spec:
          targetRef: {group: policy.linkerd.io, kind: Server, name: web-http}
          requiredAuthenticationRefs:
          - {name: web-clients, kind: MeshTLSAuthentication, group: policy.linkerd.io}
          - {name: cluster-net, kind: NetworkAuthentication, group: policy.linkerd.io}
        """)).isEmpty();
    assertThat(problem("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata: {name: web-clients, namespace: emojivoto}
        spec: {identities: ["web.emojivoto.serviceaccount.identity.linkerd.cluster.local", "*.linkerd-viz.serviceaccount.identity.linkerd.cluster.local"]}
        """)).isEmpty();
    assertThat(problem("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: NetworkAuthentication
        metadata: {name: cluster-net, namespace: emojivoto}
        spec: {networks: [{cidr: 10.0.0.0/8, except: [10.0.1.0/24]}, {cidr: "fd00::/8"}, {cidr: 192.168.1.7}]}
        """)).isEmpty();
    assertThat(problem("""
        apiVersion: linkerd.io/v1alpha2
        kind: ServiceProfile
        metadata: {name: web-svc.emojivoto.svc.cluster.local, namespace: emojivoto}
        spec:
          routes:
          - name: GET /api/list
            condition: {method: GET, pathRegex: /api/list}
            isRetryable: true
        """)).isEmpty();
    assertThat(problem("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: anything}\n")).isEmpty();
    // A route of another gateway implementation is left alone, whatever it says.
    assertThat(problem("""
        apiVersion: gateway.networking.k8s.io/v1
        kind: HTTPRoute
        metadata: {name: ingress, namespace: edge}
        spec:
          parentRefs: [{kind: Gateway, name: public}]
          rules: [{matches: [{path: {type: RegularExpression, value: "(a"}}]}]
        """)).isEmpty();
  }

  @ParameterizedTest
  @CsvSource(delimiter = '|', textBlock = """
      linkerd.io/v1alpha2 | ServiceProfile | {routes: [{name: r, condition: {pathRegex: '/api/(list'}}]} | spec.routes[0].condition.pathRegex: invalid regular expression
      policy.linkerd.io/v1beta3 | Server | {podSelector: {}, externalWorkloadSelector: {}, port: 80} | needs exactly one of podSelector and externalWorkloadSelector
      policy.linkerd.io/v1beta3 | Server | {podSelector: {}, port: 80, proxyProtocol: HTTP/3} | spec.proxyProtocol: 'HTTP/3' is not one of
      policy.linkerd.io/v1beta3 | Server | {podSelector: {}} | port: is required
      policy.linkerd.io/v1beta3 | Server | {podSelector: {matchExpressions: [{key: app, operator: Within, values: [a]}]}, port: 80} | spec.podSelector.matchExpressions[0].operator: 'Within' is not one of In, NotIn, Exists, DoesNotExist
      policy.linkerd.io/v1beta3 | Server | {podSelector: {matchExpressions: [{key: app, operator: In}]}, port: 80} | spec.podSelector.matchExpressions[0].values: is required for In
      policy.linkerd.io/v1alpha1 | AuthorizationPolicy | {targetRef: {kind: Deployment, name: web}} | spec.targetRef.kind: 'Deployment' is not one of
      policy.linkerd.io/v1alpha1 | AuthorizationPolicy | {targetRef: {kind: Server, name: s}, requiredAuthenticationRefs: [{kind: NetworkAuthentication, name: a}, {kind: NetworkAuthentication, name: b}]} | at most one NetworkAuthentication
      policy.linkerd.io/v1alpha1 | MeshTLSAuthentication | {identities: [a.b], identityRefs: [{kind: ServiceAccount, name: x}]} | needs exactly one of identities and identityRefs
      policy.linkerd.io/v1alpha1 | MeshTLSAuthentication | {identities: ['Not An Identity']} | spec.identities[0]: 'Not An Identity' is not an identity name
      policy.linkerd.io/v1alpha1 | NetworkAuthentication | {networks: [{cidr: 10.0.0.0/33}]} | spec.networks[0].cidr: '10.0.0.0/33' has a prefix length outside 0-32
      policy.linkerd.io/v1alpha1 | NetworkAuthentication | {networks: [{cidr: ten.0.0.0/8}]} | is not an IP address or CIDR
      policy.linkerd.io/v1alpha1 | NetworkAuthentication | {networks: [{cidr: 10.0.0.0/16, except: [10.1.0.0/24]}]} | spec.networks[0].except[0]: 10.1.0.0/24 is not within 10.0.0.0/16
      policy.linkerd.io/v1alpha1 | NetworkAuthentication | {networks: []} | needs at least one network
      policy.linkerd.io/v1beta1 | ServerAuthorization | {server: {name: a, selector: {}}, client: {unauthenticated: true}} | spec.server: needs exactly one of name and selector
      policy.linkerd.io/v1beta3 | HTTPRoute | {parentRefs: [{kind: Server, name: s}], rules: [{matches: [{path: {type: RegularExpression, value: '(a'}}]}]} | spec.rules[0].matches[0].path.value: invalid regular expression
      policy.linkerd.io/v1beta3 | HTTPRoute | {rules: []} | spec.parentRefs: is required
      gateway.networking.k8s.io/v1 | HTTPRoute | {parentRefs: [{kind: Service, name: web}], rules: [{matches: [{path: {type: RegularExpression, value: '[a'}}]}]} | spec.rules[0].matches[0].path.value: invalid regular expression
      gateway.networking.k8s.io/v1 | HTTPRoute | {parentRefs: [{kind: Service, name: web}], rules: [{filters: [{type: RequestMirror}]}]} | spec.rules[0].filters[0].type: 'RequestMirror' is not a filter this mesh implements
      policy.linkerd.io/v1beta3 | HTTPRoute | {parentRefs: [{kind: Service, name: web}], rules: [{backendRefs: [{name: web, port: 80, weight: -5}]}]} | spec.rules[0].backendRefs[0].weight
      gateway.networking.k8s.io/v1 | GRPCRoute | {parentRefs: [{kind: Service, name: web}], rules: [{filters: [{type: RequestRedirect, requestRedirect: {}}]}]} | spec.rules[0].filters[0].type: a GRPCRoute cannot redirect
      policy.linkerd.io/v1alpha1 | HTTPLocalRateLimitPolicy | {targetRef: {kind: Server, name: s}, total: {requestsPerSecond: 0}} | spec.total.requestsPerSecond: must be a positive number
      policy.linkerd.io/v1alpha1 | HTTPLocalRateLimitPolicy | {targetRef: {kind: HTTPRoute, name: r}, total: {requestsPerSecond: 5}} | spec.targetRef.kind: 'HTTPRoute' is not one of Server
      policy.linkerd.io/v1alpha1 | HTTPLocalRateLimitPolicy | {targetRef: {kind: Server, name: s}, overrides: [{requestsPerSecond: 5, clientRefs: []}]} | spec.overrides[0].clientRefs: needs at least one ServiceAccount
      policy.linkerd.io/v1alpha1 | HTTPLocalRateLimitPolicy | {targetRef: {kind: Server, name: s}, overrides: [{requestsPerSecond: 5, clientRefs: [{kind: Namespace, name: n}]}]} | spec.overrides[0].clientRefs[0].kind: 'Namespace' is not one of ServiceAccount
      policy.linkerd.io/v1alpha1 | HTTPLocalRateLimitPolicy | {targetRef: {kind: Server, name: s}, identity: {requestsPerSecond: many}} | spec.identity.requestsPerSecond: expected an integer
      policy.linkerd.io/v1alpha1 | EgressNetwork | {trafficPolicy: Maybe} | spec.trafficPolicy: is Allow or Deny
      """)
  void whatTheMeshCouldNotUseIsRefusedNamingTheField(String apiVersion, String kind, String spec, String expected) {
    String yaml = "apiVersion: " + apiVersion + "\nkind: " + kind + "\nmetadata: {name: bad, namespace: ns}\nspec: " + spec + "\n";
    assertThat(problem(yaml)).hasValueSatisfying(p -> assertThat(p).startsWith(kind + " bad: ").contains(expected));
  }
}
