package io.weft.operator.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import static io.weft.operator.inject.InjectedManifests.container;
import static io.weft.operator.inject.InjectedManifests.documents;
import static io.weft.operator.inject.InjectedManifests.env;
import static io.weft.operator.inject.InjectedManifests.names;
import static io.weft.operator.inject.InjectedManifests.podMeta;
import static io.weft.operator.inject.InjectedManifests.podSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** The injection engine over manifests, as `weft inject`/`uninject` and the webhook use it. */
class ManifestInjectorTest {
  private static final String ANCHORS = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  private static final InjectionSettings SETTINGS = InjectionSettings.defaults("1.2.3", ANCHORS, "weft/test");
  private final ManifestInjector injector = new ManifestInjector(new ProxyInjector(SETTINGS));

  private static final String TEMPLATE = """
        template:
          metadata:
            labels: {app: web}
            annotations: %s
          spec:
            serviceAccountName: web
            containers:
            - name: web
              image: example/web:1
              env: [{name: PORT, value: "8080"}]
              ports: [{containerPort: 8080, name: http}, {containerPort: 3306, name: db}]
      """;

  private static String workload(String kind, String annotations) {
    String template = TEMPLATE.formatted(annotations);
    return switch (kind) {
      case "Pod" -> """
          apiVersion: v1
          kind: Pod
          metadata: {name: web-0, namespace: shop, labels: {app: web}, annotations: %s}
          spec:
            containers:
            - name: web
              image: example/web:1
              ports: [{containerPort: 8080}]
          """.formatted(annotations);
      case "CronJob" -> """
          apiVersion: batch/v1
          kind: CronJob
          metadata: {name: nightly, namespace: shop}
          spec:
            schedule: "0 3 * * *"
            jobTemplate:
              spec:
          """ + template.indent(4);
      default -> """
          apiVersion: apps/v1
          kind: %s
          metadata: {name: web, namespace: shop}
          spec:
            selector: {matchLabels: {app: web}}
          """.formatted(kind) + template;
    };
  }

  @Test
  void injectAndUninjectRoundTripEveryKindAListAndSeveralDocuments() throws Exception {
    String list = """
        apiVersion: v1
        kind: List
        items:
        - apiVersion: apps/v1
          kind: Deployment
          metadata: {name: in-a-list, namespace: shop}
          spec:
            template:
              metadata: {labels: {app: x}}
              spec: {containers: [{name: x, image: x}]}
        """;
    List<String> documents = new ArrayList<>();
    for (String kind : List.of("Deployment", "StatefulSet", "DaemonSet", "Pod", "CronJob", "Job")) {
      documents.add(workload(kind, "{team: shop}"));
    }
    documents.add(list);
    String input = String.join("---\n", documents);

    ManifestInjector.Result injected = injector.inject(input, ProxyInjector.Mode.MANUAL, false);
    assertThat(injected.reports()).extracting(ManifestInjector.Report::line).containsExactly(
        "deployment \"web\" injected", "statefulset \"web\" injected", "daemonset \"web\" injected",
        "pod \"web-0\" injected", "cronjob \"nightly\" injected", "job \"web\" injected", "deployment \"in-a-list\" injected");
    List<JsonNode> out = documents(injected.yaml());
    assertThat(out).hasSize(7);
    assertThat(names(podSpec(out.get(4)).path("initContainers"))).contains("linkerd-proxy");
    assertThat(names(out.get(6).path("items").get(0).path("spec").path("template").path("spec").path("initContainers")))
        .containsExactly("linkerd-init", "linkerd-proxy");

    ManifestInjector.Result uninjected = injector.uninject(injected.yaml());
    assertThat(uninjected.reports()).allSatisfy(r -> assertThat(r.outcome()).isInstanceOf(Outcome.Uninjected.class));
    assertThat(documents(uninjected.yaml())).isEqualTo(documents(input));

    // Without --manual: only the annotation, which uninject removes again.
    ManifestInjector.Result annotated = injector.inject(input, ProxyInjector.Mode.ANNOTATE, false);
    assertThat(podMeta(documents(annotated.yaml()).get(0)).path("annotations").path("linkerd.io/inject").asText()).isEqualTo("enabled");
    assertThat(podSpec(documents(annotated.yaml()).get(0)).has("initContainers")).isFalse();
    assertThat(documents(injector.uninject(annotated.yaml()).yaml())).isEqualTo(documents(input));
  }

  @Test
  void anInjectedPodHasTheProxyAsANativeSidecarWithLinkerdsEnvironmentLabelsAndVolumes() throws Exception {
    String yaml = injector.inject(workload("Deployment", "{}"), ProxyInjector.Mode.MANUAL, false).yaml();
    JsonNode deployment = documents(yaml).get(0);
    // What Kubernetes' own types make of it: every field known, nothing left over.
    var typed = io.fabric8.kubernetes.client.utils.Serialization.unmarshal(yaml, io.fabric8.kubernetes.api.model.apps.Deployment.class);
    var podSpec = typed.getSpec().getTemplate().getSpec();
    assertThat(podSpec.getInitContainers()).allSatisfy(c -> {
      assertThat(c.getAdditionalProperties()).isEmpty();
      assertThat(c.getSecurityContext().getAdditionalProperties()).isEmpty();
    });
    assertThat(podSpec.getInitContainers().get(1).getRestartPolicy()).isEqualTo("Always");
    assertThat(podSpec.getVolumes()).allSatisfy(v -> assertThat(v.getAdditionalProperties()).isEmpty());
    JsonNode spec = podSpec(deployment);
    JsonNode proxy = container(spec, "initContainers", "linkerd-proxy");
    assertThat(proxy.path("restartPolicy").asText()).isEqualTo("Always");
    assertThat(proxy.path("image").asText()).isEqualTo("ghcr.io/weft-mesh/proxy:1.2.3");
    assertThat(proxy.path("startupProbe").path("httpGet").path("path").asText()).isEqualTo("/ready");
    assertThat(proxy.path("livenessProbe").path("httpGet").path("path").asText()).isEqualTo("/live");
    Map<String, String> env = env(proxy);
    assertThat(env).containsEntry("LINKERD2_PROXY_DESTINATION_PROFILE_SUFFIXES", "svc.cluster.local.");
    assertThat(env).containsEntry("LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS", ANCHORS)
        .containsEntry("LINKERD2_PROXY_DESTINATION_SVC_ADDR", "linkerd-dst-headless.linkerd.svc.cluster.local.:8086")
        // Headless Services do not map ports: identity and policy are reached on the port the control plane serves.
        .containsEntry("LINKERD2_PROXY_IDENTITY_SVC_ADDR", "linkerd-identity-headless.linkerd.svc.cluster.local.:8086")
        .containsEntry("LINKERD2_PROXY_POLICY_SVC_ADDR", "linkerd-policy.linkerd.svc.cluster.local.:8086")
        .containsEntry("LINKERD2_PROXY_POLICY_SVC_NAME", "linkerd-destination.linkerd.serviceaccount.identity.linkerd.cluster.local")
        .containsEntry("LINKERD2_PROXY_IDENTITY_LOCAL_NAME", "$(_pod_sa).$(_pod_ns).serviceaccount.identity.linkerd.cluster.local")
        .containsEntry("LINKERD2_PROXY_IDENTITY_TOKEN_FILE", "/var/run/secrets/tokens/linkerd-identity-token")
        .containsEntry("LINKERD2_PROXY_INBOUND_PORTS", "3306,8080")
        .containsEntry("LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION", "3306")
        .containsEntry("LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED", "false");
    JsonNode init = container(spec, "initContainers", "linkerd-init");
    assertThat(init.path("args").toString()).contains("\"--inbound-ports-to-ignore\",\"4190,4191,4567,4568\"")
        .contains("\"--proxy-uid\",\"2102\"");
    assertThat(names(spec.path("volumes")))
        .containsExactly("linkerd-proxy-init-xtables-lock", "linkerd-identity-end-entity", "linkerd-identity-token");
    assertThat(spec.path("volumes").get(2).path("projected").path("sources").get(0).path("serviceAccountToken")
        .path("audience").asText()).isEqualTo("identity.l5d.io");
    JsonNode meta = podMeta(deployment);
    assertThat(meta.path("labels").path("linkerd.io/control-plane-ns").asText()).isEqualTo("linkerd");
    assertThat(meta.path("labels").path("linkerd.io/proxy-deployment").asText()).isEqualTo("web");
    assertThat(meta.path("labels").path("linkerd.io/workload-ns").asText()).isEqualTo("shop");
    assertThat(meta.path("annotations").path("linkerd.io/trust-root-sha256").asText()).isEqualTo(io.weft.k8s.Digests.sha256Hex(ANCHORS));
    assertThat(meta.path("annotations").path("linkerd.io/proxy-version").asText()).isEqualTo("1.2.3");
    // the application's container and its string env value are untouched
    assertThat(container(spec, "containers", "web").path("env").get(0).path("value").isTextual()).isTrue();
  }

  @Test
  void configAnnotationsChangeTheProxyAsDocumented() throws Exception {
    String annotations = """
        {config.linkerd.io/opaque-ports: "4000-4002", config.linkerd.io/skip-inbound-ports: "9090",
         config.linkerd.io/skip-outbound-ports: "5432", config.linkerd.io/proxy-cpu-request: 100m,
         config.linkerd.io/proxy-memory-limit: 250Mi, config.linkerd.io/proxy-log-level: debug,
         config.linkerd.io/default-inbound-policy: deny, config.linkerd.io/proxy-await: disabled,
         config.linkerd.io/proxy-admin-shutdown: enabled, config.linkerd.io/proxy-uid: "3000"}""";
    JsonNode spec = podSpec(documents(injector.inject(workload("Deployment", annotations), ProxyInjector.Mode.MANUAL, false)
        .yaml()).get(0));
    JsonNode proxy = container(spec, "initContainers", "linkerd-proxy");
    assertThat(env(proxy)).containsEntry("LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION", "4000,4001,4002")
        .containsEntry("LINKERD2_PROXY_LOG", "debug,[{headers}]=off,[{request}]=off").containsEntry("LINKERD2_PROXY_INBOUND_DEFAULT_POLICY", "deny")
        .containsEntry("LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS", "10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8")
        .containsEntry("LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED", "true");
    assertThat(proxy.has("startupProbe")).isFalse();
    assertThat(proxy.path("resources").path("requests").path("cpu").asText()).isEqualTo("100m");
    assertThat(proxy.path("resources").path("limits").path("memory").asText()).isEqualTo("250Mi");
    assertThat(proxy.path("securityContext").path("runAsUser").asInt()).isEqualTo(3000);
    String args = container(spec, "initContainers", "linkerd-init").path("args").toString();
    assertThat(args).contains("\"4190,4191,4567,4568,9090\"").contains("\"4567,4568,5432\"").contains("\"--proxy-uid\",\"3000\"");

    // Not a native sidecar: the proxy is the first container and holds the app until it is ready.
    JsonNode classic = podSpec(documents(injector.inject(workload("Deployment",
        "{config.linkerd.io/proxy-enable-native-sidecar: \"false\"}"), ProxyInjector.Mode.MANUAL, false).yaml()).get(0));
    assertThat(classic.path("containers").get(0).path("name").asText()).isEqualTo("linkerd-proxy");
    assertThat(classic.path("containers").get(0).path("lifecycle").path("postStart").isMissingNode()).isFalse();
    assertThat(names(classic.path("initContainers"))).containsExactly("linkerd-init");

    // CNI mode: no init container, no xtables volume.
    ManifestInjector cni = new ManifestInjector(new ProxyInjector(new InjectionSettings(SETTINGS.proxyImage(),
        SETTINGS.proxyVersion(), SETTINGS.initImage(), "linkerd", "cluster.local", "cluster.local", ANCHORS, 2102, true,
        SETTINGS.defaultOpaquePorts(), SETTINGS.defaultInboundPolicy(), SETTINGS.clusterNetworks(), SETTINGS.proxy(), "weft/test")));
    JsonNode withCni = podSpec(documents(cni.inject(workload("Deployment", "{}"), ProxyInjector.Mode.MANUAL, false).yaml()).get(0));
    assertThat(names(withCni.path("initContainers"))).containsExactly("linkerd-proxy");
    assertThat(names(withCni.path("volumes"))).doesNotContain("linkerd-proxy-init-xtables-lock");

    assertThat(env(container(podSpec(documents(injector.inject(workload("Deployment", "{}"), ProxyInjector.Mode.MANUAL, true)
        .yaml()).get(0)), "initContainers", "linkerd-proxy"))).containsEntry("LINKERD2_PROXY_INGRESS_MODE", "true");
  }

  @Test
  void skippedResourcesSayWhy() throws Exception {
    String hostNetwork = workload("Deployment", "{}").replace("serviceAccountName: web", "serviceAccountName: web\n      hostNetwork: true");
    String disabled = workload("Deployment", "{linkerd.io/inject: disabled}");
    String invalid = workload("Deployment", "{linkerd.io/inject: maybe}");
    String service = "apiVersion: v1\nkind: Service\nmetadata: {name: web-svc}\nspec: {ports: [{port: 80}]}\n";
    String already = injector.inject(workload("Deployment", "{}"), ProxyInjector.Mode.MANUAL, false).yaml();
    ManifestInjector.Result result = injector.inject(String.join("---\n", hostNetwork, disabled, invalid, service, already),
        ProxyInjector.Mode.MANUAL, false);
    assertThat(result.reports()).extracting(r -> ((Outcome.Skipped) r.outcome()).reason()).containsExactly(
        "host_network_enabled", "injection_disable_annotation_present", "invalid_inject_annotation_at_workload",
        "unsupported_resource", "sidecar_already_exists");
    assertThat(result.reports().get(0).line()).isEqualTo("deployment \"web\" skipped: hostNetwork is enabled (host_network_enabled)");
    // skipped resources come out as they went in
    assertThat(documents(result.yaml()).get(3)).isEqualTo(documents(service).get(0));
    assertThatThrownBy(() -> injector.inject("kind: [unclosed", ProxyInjector.Mode.MANUAL, false))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("the input is not YAML or JSON");
  }

  @Test
  void theWebhookFollowsThePodOrElseTheNamespaceAnnotation() throws Exception {
    ProxyInjector engine = new ProxyInjector(SETTINGS);
    assertThat(webhook(engine, "{}", Map.of(ProxyInjector.INJECT, "enabled"))).isInstanceOf(Outcome.Injected.class);
    assertThat(webhook(engine, "{}", Map.of())).isEqualTo(new Outcome.Skipped("injection_enable_annotation_absent",
        "neither the namespace nor the pod have the annotation \"linkerd.io/inject:enabled\""));
    assertThat(webhook(engine, "{linkerd.io/inject: disabled}", Map.of(ProxyInjector.INJECT, "enabled")))
        .isInstanceOf(Outcome.Skipped.class);
    assertThat(webhook(engine, "{linkerd.io/inject: enabled}", Map.of(ProxyInjector.INJECT, "disabled")))
        .isInstanceOf(Outcome.Injected.class);
    assertThat(((Outcome.Skipped) webhook(engine, "{}", Map.of(ProxyInjector.INJECT, "yes"))).reason())
        .isEqualTo("invalid_inject_annotation_at_ns");
    // namespace config annotations apply where the pod sets none
    ObjectNode deployment = (ObjectNode) documents(workload("Deployment", "{}")).get(0);
    ObjectNode template = (ObjectNode) deployment.path("spec").path("template");
    engine.inject((ObjectNode) template.get("metadata"), (ObjectNode) template.get("spec"), "Deployment", "web", "shop",
        Map.of(ProxyInjector.INJECT, "ingress", "config.linkerd.io/proxy-log-level", "trace"), ProxyInjector.Mode.WEBHOOK, false);
    assertThat(env(container(template.get("spec"), "initContainers", "linkerd-proxy")))
        .containsEntry("LINKERD2_PROXY_LOG", "trace,[{headers}]=off,[{request}]=off").containsEntry("LINKERD2_PROXY_INGRESS_MODE", "true");
  }

  private static Outcome webhook(ProxyInjector engine, String podAnnotations, Map<String, String> namespace) throws Exception {
    ObjectNode template = (ObjectNode) documents(workload("Deployment", podAnnotations)).get(0).path("spec").path("template");
    return engine.inject((ObjectNode) template.get("metadata"), (ObjectNode) template.get("spec"), "Deployment", "web", "shop",
        namespace, ProxyInjector.Mode.WEBHOOK, false);
  }
}
