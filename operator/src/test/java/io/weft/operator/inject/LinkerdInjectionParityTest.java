package io.weft.operator.inject;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static io.weft.operator.inject.InjectedManifests.container;
import static io.weft.operator.inject.InjectedManifests.documents;
import static io.weft.operator.inject.InjectedManifests.env;
import static io.weft.operator.inject.InjectedManifests.envNames;
import static io.weft.operator.inject.InjectedManifests.fieldRef;
import static io.weft.operator.inject.InjectedManifests.podMeta;
import static io.weft.operator.inject.InjectedManifests.podSpec;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * What Linkerd's proxy injector writes for the same input, derived from its chart template
 * ({@code charts/partials/templates/_proxy.tpl}), chart defaults and {@code pkg/inject}: the whole
 * proxy environment in the template's order, the annotations that change it, the resource
 * annotations, Jobs and CronJobs, and the cases it skips with its reasons and words.
 */
class LinkerdInjectionParityTest {
  private static final String ANCHORS = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  private static final InjectionSettings SETTINGS = InjectionSettings.defaults("1.2.3", ANCHORS, "weft/test");
  private final ManifestInjector injector = new ManifestInjector(new ProxyInjector(SETTINGS));

  private static String deployment(String annotations, String podSpecExtra) {
    return """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: emojivoto}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata:
              labels: {app: web}
              annotations: %s
            spec:
              serviceAccountName: web
              containers:
              - name: web-svc
                image: buoyantio/emojivoto-web:v11
                ports: [{containerPort: 8080, name: http}]
        %s""".formatted(annotations, podSpecExtra.indent(6));
  }

  private JsonNode proxyOf(String manifest) throws Exception {
    return container(podSpec(documents(injector.inject(manifest, ProxyInjector.Mode.MANUAL, false).yaml()).get(0)),
        "initContainers", ProxyInjector.PROXY);
  }

  @Test
  void theProxyEnvironmentIsLinkerdsInItsTemplatesOrderWithItsDefaults() throws Exception {
    JsonNode proxy = proxyOf(deployment("{}", ""));
    assertThat(envNames(proxy)).containsExactly(
        "_pod_name", "_pod_ns", "_pod_uid", "_pod_nodeName", "_pod_containerName",
        "LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED", "LINKERD2_PROXY_LOG", "LINKERD2_PROXY_LOG_FORMAT",
        "LINKERD2_PROXY_DESTINATION_SVC_ADDR", "LINKERD2_PROXY_DESTINATION_PROFILE_NETWORKS", "LINKERD2_PROXY_POLICY_SVC_ADDR",
        "LINKERD2_PROXY_POLICY_WORKLOAD", "LINKERD2_PROXY_INBOUND_DEFAULT_POLICY", "LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS",
        "LINKERD2_PROXY_CONTROL_STREAM_INITIAL_TIMEOUT", "LINKERD2_PROXY_CONTROL_STREAM_IDLE_TIMEOUT",
        "LINKERD2_PROXY_CONTROL_STREAM_LIFETIME", "LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT", "LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT",
        "LINKERD2_PROXY_OUTBOUND_DISCOVERY_IDLE_TIMEOUT", "LINKERD2_PROXY_INBOUND_DISCOVERY_IDLE_TIMEOUT",
        "LINKERD2_PROXY_CONTROL_LISTEN_ADDR", "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR",
        "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS", "LINKERD2_PROXY_INBOUND_LISTEN_ADDR", "LINKERD2_PROXY_INBOUND_IPS",
        "LINKERD2_PROXY_INBOUND_PORTS", "LINKERD2_PROXY_DESTINATION_PROFILE_SUFFIXES", "LINKERD2_PROXY_INBOUND_ACCEPT_KEEPALIVE",
        "LINKERD2_PROXY_OUTBOUND_CONNECT_KEEPALIVE", "LINKERD2_PROXY_INBOUND_ACCEPT_USER_TIMEOUT",
        "LINKERD2_PROXY_OUTBOUND_CONNECT_USER_TIMEOUT", "LINKERD2_PROXY_INBOUND_SERVER_HTTP2_KEEP_ALIVE_INTERVAL",
        "LINKERD2_PROXY_INBOUND_SERVER_HTTP2_KEEP_ALIVE_TIMEOUT", "LINKERD2_PROXY_OUTBOUND_SERVER_HTTP2_KEEP_ALIVE_INTERVAL",
        "LINKERD2_PROXY_OUTBOUND_SERVER_HTTP2_KEEP_ALIVE_TIMEOUT", "LINKERD2_PROXY_OUTBOUND_METRICS_HOSTNAME_LABELS",
        "LINKERD2_PROXY_DESTINATION_CONTEXT", "_pod_sa", "_l5d_ns", "_l5d_trustdomain", "LINKERD2_PROXY_IDENTITY_DIR",
        "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS", "LINKERD2_PROXY_IDENTITY_TOKEN_FILE", "LINKERD2_PROXY_IDENTITY_SVC_ADDR",
        "LINKERD2_PROXY_IDENTITY_LOCAL_NAME", "LINKERD2_PROXY_IDENTITY_SVC_NAME", "LINKERD2_PROXY_DESTINATION_SVC_NAME",
        "LINKERD2_PROXY_POLICY_SVC_NAME", "LINKERD2_PROXY_TAP_SVC_NAME");
    assertThat(fieldRef(proxy, "_pod_uid")).isEqualTo("metadata.uid");
    assertThat(fieldRef(proxy, "LINKERD2_PROXY_INBOUND_IPS")).isEqualTo("status.podIPs");
    assertThat(fieldRef(proxy, "_pod_sa")).isEqualTo("spec.serviceAccountName");
    String networks = "10.0.0.0/8,100.64.0.0/10,172.16.0.0/12,192.168.0.0/16,fd00::/8";
    assertThat(env(proxy)).containsEntry("_pod_containerName", "linkerd-proxy")
        .containsEntry("LINKERD2_PROXY_LOG", "warn,linkerd=info,hickory=error,[{headers}]=off,[{request}]=off")
        .containsEntry("LINKERD2_PROXY_LOG_FORMAT", "plain")
        .containsEntry("LINKERD2_PROXY_DESTINATION_PROFILE_NETWORKS", networks)
        .containsEntry("LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS", networks)
        .containsEntry("LINKERD2_PROXY_POLICY_WORKLOAD", "{\"ns\":\"$(_pod_ns)\", \"pod\":\"$(_pod_name)\"}")
        .containsEntry("LINKERD2_PROXY_CONTROL_STREAM_INITIAL_TIMEOUT", "3s")
        .containsEntry("LINKERD2_PROXY_CONTROL_STREAM_IDLE_TIMEOUT", "5m")
        .containsEntry("LINKERD2_PROXY_CONTROL_STREAM_LIFETIME", "1h")
        .containsEntry("LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT", "100ms")
        .containsEntry("LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT", "1000ms")
        .containsEntry("LINKERD2_PROXY_OUTBOUND_DISCOVERY_IDLE_TIMEOUT", "5s")
        .containsEntry("LINKERD2_PROXY_INBOUND_DISCOVERY_IDLE_TIMEOUT", "90s")
        .containsEntry("LINKERD2_PROXY_CONTROL_LISTEN_ADDR", "[::]:4190")
        .containsEntry("LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "[::]:4191")
        .containsEntry("LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", "127.0.0.1:4140")
        .containsEntry("LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS", "127.0.0.1:4140,[::1]:4140")
        .containsEntry("LINKERD2_PROXY_INBOUND_LISTEN_ADDR", "[::]:4143")
        .containsEntry("LINKERD2_PROXY_INBOUND_PORTS", "8080")
        .containsEntry("LINKERD2_PROXY_DESTINATION_PROFILE_SUFFIXES", "svc.cluster.local.")
        .containsEntry("LINKERD2_PROXY_INBOUND_ACCEPT_KEEPALIVE", "10000ms")
        .containsEntry("LINKERD2_PROXY_OUTBOUND_CONNECT_KEEPALIVE", "10000ms")
        .containsEntry("LINKERD2_PROXY_INBOUND_ACCEPT_USER_TIMEOUT", "30s")
        .containsEntry("LINKERD2_PROXY_OUTBOUND_CONNECT_USER_TIMEOUT", "30s")
        .containsEntry("LINKERD2_PROXY_INBOUND_SERVER_HTTP2_KEEP_ALIVE_INTERVAL", "10s")
        .containsEntry("LINKERD2_PROXY_INBOUND_SERVER_HTTP2_KEEP_ALIVE_TIMEOUT", "3s")
        .containsEntry("LINKERD2_PROXY_OUTBOUND_METRICS_HOSTNAME_LABELS", "false")
        .containsEntry("LINKERD2_PROXY_IDENTITY_SVC_NAME", "linkerd-identity.linkerd.serviceaccount.identity.linkerd.cluster.local")
        .containsEntry("LINKERD2_PROXY_DESTINATION_SVC_NAME", "linkerd-destination.linkerd.serviceaccount.identity.linkerd.cluster.local")
        .doesNotContainKeys("LINKERD2_PROXY_CORES", "LINKERD2_PROXY_INBOUND_PORTS_REQUIRE_IDENTITY",
            "LINKERD2_PROXY_OUTBOUND_DETECT_TIMEOUT", "LINKERD2_PROXY_INBOUND_DETECT_TIMEOUT", "LINKERD2_PROXY_ACCESS_LOG",
            "LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD", "LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION");
  }

  @Test
  void configAnnotationsSetWhatLinkerdsTemplateSetsFromThem() throws Exception {
    JsonNode proxy = proxyOf(deployment("""
        {config.linkerd.io/proxy-require-identity-inbound-ports: "8080,9000-9001",
         config.linkerd.io/proxy-log-http-headers: insecure, config.linkerd.io/proxy-log-format: json,
         config.linkerd.io/enable-external-profiles: "true",
         config.linkerd.io/proxy-disable-outbound-protocol-detect-timeout: "true",
         config.linkerd.io/proxy-disable-inbound-protocol-detect-timeout: "true",
         config.linkerd.io/proxy-outbound-connect-timeout: 2000ms, config.linkerd.io/proxy-inbound-connect-timeout: 250ms,
         config.linkerd.io/proxy-outbound-discovery-cache-unused-timeout: 30s,
         config.linkerd.io/proxy-inbound-discovery-cache-unused-timeout: 2m,
         config.linkerd.io/access-log: apache, config.linkerd.io/shutdown-grace-period: 45s,
         config.linkerd.io/pod-inbound-ports: "8080,8443", config.linkerd.io/proxy-metrics-hostname-labels: "true",
         config.linkerd.io/opaque-ports: "3306"}""", ""));
    assertThat(env(proxy)).containsEntry("LINKERD2_PROXY_INBOUND_PORTS_REQUIRE_IDENTITY", "8080,9000,9001")
        .containsEntry("LINKERD2_PROXY_LOG", "warn,linkerd=info,hickory=error")
        .containsEntry("LINKERD2_PROXY_LOG_FORMAT", "json")
        .containsEntry("LINKERD2_PROXY_DESTINATION_PROFILE_SUFFIXES", ".")
        .containsEntry("LINKERD2_PROXY_OUTBOUND_DETECT_TIMEOUT", "365d")
        .containsEntry("LINKERD2_PROXY_INBOUND_DETECT_TIMEOUT", "365d")
        .containsEntry("LINKERD2_PROXY_OUTBOUND_CONNECT_TIMEOUT", "2000ms")
        .containsEntry("LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT", "250ms")
        .containsEntry("LINKERD2_PROXY_OUTBOUND_DISCOVERY_IDLE_TIMEOUT", "30s")
        .containsEntry("LINKERD2_PROXY_INBOUND_DISCOVERY_IDLE_TIMEOUT", "2m")
        .containsEntry("LINKERD2_PROXY_ACCESS_LOG", "apache")
        .containsEntry("LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD", "45s")
        .containsEntry("LINKERD2_PROXY_INBOUND_PORTS", "8080,8443")
        .containsEntry("LINKERD2_PROXY_OUTBOUND_METRICS_HOSTNAME_LABELS", "true")
        .containsEntry("LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION", "3306");
    assertThatThrownBy(() -> proxyOf(deployment("{config.linkerd.io/proxy-log-http-headers: verbose}", "")))
        .hasMessage("config.linkerd.io/proxy-log-http-headers: 'verbose' is not insecure or off");
    assertThatThrownBy(() -> proxyOf(deployment("{config.linkerd.io/proxy-require-identity-inbound-ports: \"80,http\"}", "")))
        .hasMessageStartingWith("config.linkerd.io/proxy-require-identity-inbound-ports: ");
  }

  @Test
  void resourceAnnotationsBecomeTheProxysResourcesAndItsCoresAsLinkerdRoundsThem() throws Exception {
    JsonNode proxy = proxyOf(deployment("""
        {config.linkerd.io/proxy-cpu-request: 150m, config.linkerd.io/proxy-cpu-limit: 1500m,
         config.linkerd.io/proxy-memory-request: 20Mi, config.linkerd.io/proxy-memory-limit: 250Mi,
         config.linkerd.io/proxy-ephemeral-storage-limit: 1Gi}""", ""));
    assertThat(proxy.path("resources").toString()).isEqualTo(
        "{\"requests\":{\"cpu\":\"150m\",\"memory\":\"20Mi\"},\"limits\":{\"cpu\":\"1500m\",\"memory\":\"250Mi\",\"ephemeral-storage\":\"1Gi\"}}");
    // Linkerd's proxy.cores: the limit rounded up to whole cores.
    assertThat(env(proxy)).containsEntry("LINKERD2_PROXY_CORES", "2");
    assertThat(envNames(proxy).indexOf("LINKERD2_PROXY_CORES")).isEqualTo(envNames(proxy).indexOf("_pod_containerName") + 1);
    assertThat(env(proxyOf(deployment("{config.linkerd.io/proxy-cpu-limit: 200m}", "")))).containsEntry("LINKERD2_PROXY_CORES", "1");
    assertThat(env(proxyOf(deployment("{config.linkerd.io/proxy-cpu-limit: \"3\"}", "")))).containsEntry("LINKERD2_PROXY_CORES", "3");
    assertThat(proxyOf(deployment("{}", "")).has("resources")).isFalse();
    // Linkerd logs a warning and drops a quantity Kubernetes would refuse; Weft refuses the pod, naming it.
    assertThatThrownBy(() -> proxyOf(deployment("{config.linkerd.io/proxy-memory-limit: lots}", "")))
        .hasMessage("config.linkerd.io/proxy-memory-limit: 'lots' is not a Kubernetes quantity (like 500m or 256Mi)");
  }

  @Test
  void jobsAndCronJobsGetANativeSidecarThatEndsWithThemAndTheirOwnersLabel() throws Exception {
    String job = """
        apiVersion: batch/v1
        kind: Job
        metadata: {name: migrate, namespace: shop}
        spec:
          template:
            spec:
              restartPolicy: Never
              containers: [{name: migrate, image: example/migrate:1}]
        ---
        apiVersion: batch/v1
        kind: CronJob
        metadata: {name: nightly, namespace: shop}
        spec:
          schedule: "0 3 * * *"
          jobTemplate:
            spec:
              template:
                spec:
                  restartPolicy: OnFailure
                  containers: [{name: report, image: example/report:1}]
        """;
    List<JsonNode> out = documents(injector.inject(job, ProxyInjector.Mode.MANUAL, false).yaml());
    for (JsonNode resource : out) {
      JsonNode spec = podSpec(resource);
      // A native sidecar (an init container that keeps running): Kubernetes stops it once the job's
      // containers end, so the Job completes (Linkerd's answer to its Jobs that never finished).
      assertThat(container(spec, "initContainers", ProxyInjector.PROXY).path("restartPolicy").asText()).isEqualTo("Always");
      assertThat(spec.path("containers")).hasSize(1);
    }
    assertThat(podMeta(out.get(0)).path("labels").path("linkerd.io/proxy-job").asText()).isEqualTo("migrate");
    assertThat(podMeta(out.get(1)).path("labels").path("linkerd.io/proxy-cronjob").asText()).isEqualTo("nightly");
  }

  @Test
  void waitBeforeExitIsAPreStopSleepOfAClassicSidecarAndRefusedWithANativeOne() throws Exception {
    JsonNode classic = container(podSpec(documents(injector.inject(deployment("""
            {config.linkerd.io/proxy-enable-native-sidecar: "false",
             config.alpha.linkerd.io/proxy-wait-before-exit-seconds: "20"}""", ""), ProxyInjector.Mode.MANUAL, false).yaml())
        .get(0)), "containers", ProxyInjector.PROXY);
    assertThat(classic.path("lifecycle").path("preStop").path("exec").path("command").toString())
        .isEqualTo("[\"/bin/sleep\",\"20\"]");
    assertThat(classic.path("lifecycle").path("postStart").isMissingNode()).isFalse();
    assertThatThrownBy(() -> proxyOf(deployment("{config.alpha.linkerd.io/proxy-wait-before-exit-seconds: \"20\"}", "")))
        .hasMessageContaining("proxy.nativeSidecar and waitBeforeExitSeconds cannot be used simultaneously");
  }

  @Test
  void podsLinkerdSkipsAreSkippedWithItsReasonsAndWords() throws Exception {
    String hostNetwork = deployment("{}", "hostNetwork: true");
    String istio = deployment("{}", "initContainers: [{name: istio-init, image: gcr.io/istio-release/proxy_init:1.0.0}]");
    String istioByImage = deployment("{}", "initContainers: [{name: mesh-init, image: gcr.io/istio-release/proxy_init:1.0.0}]");
    String linkerdByImage = deployment("{}", "initContainers: [{name: sidecar, image: cr.l5d.io/linkerd/proxy:stable-2.14.10}]");
    String disabled = deployment("{linkerd.io/inject: disabled}", "");
    ManifestInjector.Result result = injector.inject(String.join("---\n", hostNetwork, istio, istioByImage, linkerdByImage, disabled),
        ProxyInjector.Mode.MANUAL, false);
    assertThat(result.reports()).extracting(ManifestInjector.Report::line).containsExactly(
        "deployment \"web\" skipped: hostNetwork is enabled (host_network_enabled)",
        "deployment \"web\" skipped: pod has a sidecar injected already (sidecar_already_exists)",
        "deployment \"web\" skipped: pod has a sidecar injected already (sidecar_already_exists)",
        "deployment \"web\" skipped: pod has a sidecar injected already (sidecar_already_exists)",
        "deployment \"web\" skipped: pod has the annotation \"linkerd.io/inject:disabled\" (injection_disable_annotation_present)");
  }

  /** Linkerd's truth table for the webhook (pkg/inject/report.go), row by row. */
  @Test
  void theWebhookDecidesByLinkerdsTruthTable() throws Exception {
    record Row(String namespace, String pod, String outcome) {}
    List<Row> table = List.of(
        new Row("enabled", "enabled", "injected"),
        new Row("enabled", "", "injected"),
        new Row("enabled", "disabled", "injection_disable_annotation_present"),
        new Row("disabled", "enabled", "injected"),
        new Row("", "enabled", "injected"),
        new Row("disabled", "disabled", "injection_disable_annotation_present"),
        new Row("", "disabled", "injection_disable_annotation_present"),
        new Row("disabled", "", "injection_enable_annotation_absent"),
        new Row("", "", "injection_enable_annotation_absent"),
        new Row("ingress", "", "injected"),
        new Row("yes", "enabled", "invalid_inject_annotation_at_ns"),
        new Row("enabled", "on", "invalid_inject_annotation_at_workload"));
    ProxyInjector engine = new ProxyInjector(SETTINGS);
    for (Row row : table) {
      ObjectNode resource = (ObjectNode) documents(deployment(row.pod().isEmpty() ? "{}" : "{linkerd.io/inject: " + row.pod() + "}", ""))
          .get(0);
      ObjectNode template = (ObjectNode) resource.path("spec").path("template");
      Outcome outcome = engine.inject((ObjectNode) template.get("metadata"), (ObjectNode) template.get("spec"), "Deployment", "web",
          "emojivoto", row.namespace().isEmpty() ? Map.of() : Map.of(ProxyInjector.INJECT, row.namespace()),
          ProxyInjector.Mode.WEBHOOK, false);
      String got = outcome instanceof Outcome.Skipped s ? s.reason() : "injected";
      assertThat(got).as("namespace '%s', pod '%s'", row.namespace(), row.pod()).isEqualTo(row.outcome());
    }
    Outcome absent = engine.inject((ObjectNode) documents(deployment("{}", "")).get(0).path("spec").path("template").get("metadata"),
        (ObjectNode) documents(deployment("{}", "")).get(0).path("spec").path("template").get("spec"), "Deployment", "web",
        "emojivoto", Map.of(), ProxyInjector.Mode.WEBHOOK, false);
    assertThat(((Outcome.Skipped) absent).explanation())
        .isEqualTo("neither the namespace nor the pod have the annotation \"linkerd.io/inject:enabled\"");
  }
}
