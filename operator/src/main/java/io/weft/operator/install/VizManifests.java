package io.weft.operator.install;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.k8s.decode.YamlDocuments;
import io.weft.k8s.identity.IssuerSecrets;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code weft viz install}: the viz extension — the viz service (as the tap service's identity, with
 * the mesh's trust anchors), and a Prometheus scraping every proxy with Linkerd's
 * {@code linkerd-proxy} job, which the viz service queries.
 */
public final class VizManifests {
  private static final String PROMETHEUS_CONFIG = "prometheus-config";

  /**
   * What an install of viz needs: its namespace, the control plane's (names and identities are
   * made of it), the image of the weft program, names of the cluster and mesh, the Prometheus
   * image, and the mesh's trust anchors (PEM).
   */
  public record Viz(String vizNamespace, String controlPlaneNamespace, String controllerImage, String version,
                    String imagePullPolicy, String clusterDomain, String trustDomain, String prometheusImage,
                    String trustAnchorsPem) {
    public Viz {
      if (trustAnchorsPem == null || !trustAnchorsPem.contains("BEGIN CERTIFICATE")) {
        throw new IllegalArgumentException("viz needs the mesh's trust anchors (PEM certificates) for the tap service's identity");
      }
    }
  }

  private VizManifests() {}

  public static List<ObjectNode> objects(Viz viz) {
    Map<String, String> placeholders = Map.of(
        "vizNamespace", viz.vizNamespace(),
        "namespace", viz.controlPlaneNamespace(),
        "controllerImage", viz.controllerImage(),
        "version", viz.version(),
        "imagePullPolicy", viz.imagePullPolicy(),
        "clusterDomain", viz.clusterDomain(),
        "trustDomain", viz.trustDomain(),
        "prometheusImage", viz.prometheusImage());
    List<ObjectNode> objects = new ArrayList<>(YamlDocuments.read(InstallManifests.substitute(
        InstallManifests.resource("viz.yaml"), placeholders)));
    objects.add(InstallManifests.configMap(viz.vizNamespace(), PROMETHEUS_CONFIG,
        Map.of("prometheus.yml", prometheusConfig(viz.controlPlaneNamespace()))));
    // The viz service's identity is checked against the mesh's anchors, which live in the control plane's namespace.
    objects.add(InstallManifests.configMap(viz.vizNamespace(), IssuerSecrets.TRUST_ROOTS,
        Map.of(IssuerSecrets.TRUST_BUNDLE_KEY, viz.trustAnchorsPem())));
    objects.forEach(o -> ((ObjectNode) o.path("metadata")).withObjectProperty("labels").put("linkerd.io/extension", "viz"));
    return objects;
  }

  public static String render(Viz viz) {
    return InstallManifests.render(objects(viz));
  }

  /** Prometheus's configuration: Linkerd's linkerd-proxy job for the proxies of {@code controlPlaneNamespace}'s mesh. */
  public static String prometheusConfig(String controlPlaneNamespace) {
    return InstallManifests.substitute(InstallManifests.resource("prometheus.yml"), Map.of("namespace", controlPlaneNamespace));
  }
}
