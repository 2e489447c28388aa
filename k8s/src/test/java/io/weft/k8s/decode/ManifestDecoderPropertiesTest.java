package io.weft.k8s.decode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.weft.k8s.model.ResourceKind;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

import java.util.List;
import java.util.Optional;

/**
 * The manifest decoder fuzzed by generated input (jqwik): real manifests of the kinds the mesh
 * reads with their text damaged — a character changed, inserted or cut where YAML and the fields
 * live. Whatever still parses as YAML is decoded, or refused with a ManifestException naming a
 * field — never another exception. {@code bench/run fuzz} runs more tries.
 */
class ManifestDecoderPropertiesTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  private static final List<String> MANIFESTS = List.of("""
      apiVersion: v1
      kind: Pod
      metadata: {name: web-0, namespace: shop, labels: {app: web}, ownerReferences: [{kind: ReplicaSet, name: web-5d, controller: true}]}
      spec: {serviceAccountName: web, containers: [{name: web, ports: [{name: http, containerPort: 8080}],
             readinessProbe: {httpGet: {path: /ready, port: http}}}]}
      status: {podIP: 10.0.0.7, phase: Running, conditions: [{type: Ready, status: "True"}]}
      """, """
      apiVersion: v1
      kind: Service
      metadata: {name: web, namespace: shop}
      spec: {clusterIP: 10.96.0.7, selector: {app: web}, ports: [{name: http, port: 80, targetPort: http}]}
      """, """
      apiVersion: discovery.k8s.io/v1
      kind: EndpointSlice
      metadata: {name: web-abc, namespace: shop, labels: {kubernetes.io/service-name: web}}
      addressType: IPv4
      endpoints: [{addresses: [10.0.0.7], conditions: {ready: true}, targetRef: {kind: Pod, name: web-0}, zone: a}]
      ports: [{name: http, port: 8080}]
      """, """
      apiVersion: linkerd.io/v1alpha2
      kind: ServiceProfile
      metadata: {name: web.shop.svc.cluster.local, namespace: shop}
      spec:
        routes: [{name: books, condition: {method: GET, pathRegex: "/books(/.*)?"}, isRetryable: true, timeout: 300ms,
                  responseClasses: [{condition: {status: {min: 500, max: 599}}, isFailure: true}]}]
        retryBudget: {retryRatio: 0.2, minRetriesPerSecond: 10, ttl: 10s}
        dstOverrides: [{authority: web-v2.shop.svc.cluster.local:80, weight: 500m}]
      """, """
      apiVersion: policy.linkerd.io/v1beta3
      kind: Server
      metadata: {name: web-http, namespace: shop}
      spec: {podSelector: {matchLabels: {app: web}, matchExpressions: [{key: tier, operator: In, values: [a]}]}, port: http,
             proxyProtocol: HTTP/1}
      """, """
      apiVersion: policy.linkerd.io/v1alpha1
      kind: AuthorizationPolicy
      metadata: {name: web, namespace: shop}
      spec:
        targetRef: {group: policy.linkerd.io, kind: Server, name: web-http}
        requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: clients}]
      """, """
      apiVersion: policy.linkerd.io/v1beta3
      kind: HTTPRoute
      metadata: {name: books, namespace: shop}
      spec:
        parentRefs: [{name: web, kind: Service, group: core, port: 80}]
        rules: [{matches: [{path: {type: PathPrefix, value: /books}, method: GET}], timeouts: {request: 1s},
                 backendRefs: [{name: web, port: 80, weight: 90}]}]
      """);
  private static final String SHARP = " :{}[],-\"'#&*!|>%@`\n0123456789.-";

  @Property
  void damagedManifestsAreDecodedOrRefused(@ForAll("damaged") String text) throws Exception {
    JsonNode object;
    try {
      object = YAML.readTree(text);
    } catch (Exception notYaml) {
      return; // the YAML reader's refusal, reported as such by the backends
    }
    if (object == null || !object.isObject()) {
      return;
    }
    try {
      Optional<ResourceKind> kind = ManifestDecoder.kindOf(object);
      if (kind.isPresent()) {
        ManifestDecoder.decode(kind.get(), object);
      }
    } catch (ManifestException refused) {
      if (refused.getMessage() == null || refused.getMessage().isBlank()) {
        throw new AssertionError("a refusal says what is wrong");
      }
    }
  }

  @Provide
  Arbitrary<String> damaged() {
    Arbitrary<List<int[]>> edits = Combinators.combine(Arbitraries.integers().between(0, 2), Arbitraries.integers().between(0, 900),
        Arbitraries.integers().between(0, SHARP.length() - 1)).as((kind, at, c) -> new int[] {kind, at, c}).list().ofMaxSize(4);
    return Combinators.combine(Arbitraries.of(MANIFESTS), edits).as((manifest, list) -> {
      StringBuilder text = new StringBuilder(manifest);
      for (int[] edit : list) {
        int at = edit[1] % (text.length() + 1);
        char c = SHARP.charAt(edit[2]);
        switch (edit[0]) {
          case 0 -> text.insert(at, c);
          case 1 -> {
            if (at < text.length()) {
              text.setCharAt(at, c);
            }
          }
          default -> {
            if (at < text.length()) {
              text.deleteCharAt(at);
            }
          }
        }
      }
      return text.toString();
    });
  }
}
