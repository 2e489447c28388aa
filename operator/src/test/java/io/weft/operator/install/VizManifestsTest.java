package io.weft.operator.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.protocol.identity.MeshPki;
import io.weft.protocol.identity.Pem;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** weft viz install: the viz service as the tap service's identity, and a Prometheus config Prometheus itself accepts. */
class VizManifestsTest {
  private static final String ANCHORS = Pem.encode(List.of(MeshPki.create("linkerd", "cluster.local", Instant.now(),
      Duration.ofDays(1), Duration.ofDays(1)).anchor().certificate()));

  static final String KUBERNETES_SD = "  kubernetes_sd_configs:\n  - role: pod\n";
  private static final String STATIC_POD = """
        static_configs:
        - targets: ['10.0.0.1:4191']
          labels: {__meta_kubernetes_pod_phase: Running, __meta_kubernetes_pod_container_name: linkerd-proxy,
                   __meta_kubernetes_pod_container_port_name: linkerd-admin, __meta_kubernetes_pod_label_linkerd_io_control_plane_ns: linkerd}
      """;

  private static VizManifests.Viz viz(String anchors) {
    return new VizManifests.Viz("linkerd-viz", "linkerd", "ghcr.io/weft-mesh/controller", "1.2.3", "IfNotPresent", "cluster.local",
        "cluster.local", "prom/prometheus:v2.55.1", anchors);
  }

  private static JsonNode find(List<ObjectNode> objects, String kind, String name) {
    return objects.stream().filter(o -> o.path("kind").asText().equals(kind) && o.path("metadata").path("name").asText().equals(name))
        .findFirst().orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  private static String env(JsonNode container, String name) {
    for (JsonNode e : container.path("env")) {
      if (e.path("name").asText().equals(name)) {
        return e.has("value") ? e.path("value").asText() : e.path("valueFrom").toString();
      }
    }
    throw new AssertionError("no " + name);
  }

  @Test
  void theVizServiceRunsAsTheTapServiceWithTheMeshsAnchors() {
    List<ObjectNode> objects = VizManifests.objects(viz(ANCHORS));
    assertThat(VizManifests.render(viz(ANCHORS))).doesNotContain("${");
    assertThat(objects).allSatisfy(o -> assertThat(o.path("metadata").path("labels").path("linkerd.io/extension").asText()).isEqualTo("viz"));
    JsonNode web = find(objects, "Deployment", "web").path("spec").path("template");
    assertThat(web.path("spec").path("serviceAccountName").asText()).isEqualTo("tap");
    assertThat(web.path("metadata").path("annotations").path("linkerd.io/inject").asText()).isEqualTo("enabled");
    JsonNode container = web.path("spec").path("containers").get(0);
    assertThat(container.path("image").asText()).isEqualTo("ghcr.io/weft-mesh/controller:1.2.3");
    assertThat(container.path("command").toString()).contains("io.weft.cli.Weft viz serve");
    assertThat(container.path("args").toString()).contains("http://prometheus.linkerd-viz.svc.cluster.local:9090");
    assertThat(env(container, "LINKERD2_PROXY_IDENTITY_LOCAL_NAME")).isEqualTo("tap.linkerd-viz.serviceaccount.identity.linkerd.cluster.local");
    assertThat(env(container, "LINKERD2_PROXY_IDENTITY_SVC_ADDR")).isEqualTo("linkerd-identity-headless.linkerd.svc.cluster.local:8086");
    assertThat(env(container, "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS")).contains("linkerd-identity-trust-roots");
    assertThat(find(objects, "ConfigMap", "linkerd-identity-trust-roots").path("data").path("ca-bundle.crt").asText()).isEqualTo(ANCHORS);
    assertThat(find(objects, "ClusterRole", "linkerd-linkerd-viz-tap").toString()).contains("serviceprofiles").contains("pods");
    assertThat(find(objects, "ConfigMap", "prometheus-config").path("data").path("prometheus.yml").asText())
        .contains("job_name: linkerd-proxy").contains("^linkerd-proxy;linkerd-admin;linkerd$");
  }

  @Test
  void prometheusAcceptsItsConfiguration(@TempDir Path dir) throws Exception {
    boolean promtool;
    try {
      promtool = new ProcessBuilder("promtool", "--version").start().waitFor() == 0;
    } catch (Exception e) {
      promtool = false;
    }
    assumeTrue(System.getenv("CI") != null || promtool, "needs promtool (CI installs prometheus)");
    Path config = dir.resolve("prometheus.yml");
    // Debian's Prometheus is built without Kubernetes discovery: the pods come as static targets
    // with the labels that discovery sets, and every relabelling rule is checked as written.
    String rendered = VizManifests.prometheusConfig("linkerd");
    assertThat(rendered).contains(KUBERNETES_SD);
    Files.writeString(config, rendered.replace(KUBERNETES_SD, STATIC_POD));
    Process check = new ProcessBuilder("promtool", "check", "config", "--syntax-only", config.toString()).redirectErrorStream(true).start();
    String output = new String(check.getInputStream().readAllBytes());
    assertThat(check.waitFor()).as(output).isZero();
  }

  @Test
  void withoutTheMeshsAnchorsThereIsNoInstall() {
    assertThatThrownBy(() -> viz("")).hasMessageContaining("trust anchors");
  }
}
