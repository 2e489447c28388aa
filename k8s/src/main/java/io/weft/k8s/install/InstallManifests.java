package io.weft.k8s.install;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.weft.k8s.decode.YamlDocuments;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/** What {@code weft install} renders: the CRDs ({@code --crds}) and the control plane. */
public final class InstallManifests {
  private static final List<String> CRD_FILES = List.of("crds/policy.yaml", "crds/serviceprofile.yaml",
      "crds/routes-and-workloads.yaml");
  /** Older versions Linkerd still serves, with the storage version's schema; {@code true}: deprecated. */
  private static final Map<String, Map<String, Boolean>> OLDER_VERSIONS = Map.of(
      "servers.policy.linkerd.io", Map.of("v1beta2", false, "v1beta1", true),
      "serverauthorizations.policy.linkerd.io", Map.of(),
      "serviceprofiles.linkerd.io", Map.of("v1alpha1", false),
      "httproutes.policy.linkerd.io", Map.of("v1beta2", false, "v1beta1", false, "v1alpha1", true),
      "links.multicluster.linkerd.io", Map.of("v1alpha2", false, "v1alpha1", false));

  private InstallManifests() {}

  /**
   * The install's settings: where and which version, how many control-plane nodes, and the mesh's
   * trust anchors and issuer (PEM).
   */
  public record Values(String namespace, String version, String controllerImage, String clusterDomain, boolean ha,
                       String trustAnchorsPem, String issuerCertificatePem, String issuerKeyPem, WebhookTls webhook) {}

  /**
   * The injector webhook's serving certificate and key, and the CA the API server checks it with
   * (all PEM); for {@code linkerd-proxy-injector.<namespace>.svc}.
   */
  public record WebhookTls(String caPem, String certificatePem, String keyPem) {}

  private static final int HA_REPLICAS = 3;

  /** The control plane: namespace, RBAC, Services, the StatefulSet, and the identity issuer Secret and trust roots. */
  public static List<ObjectNode> controlPlaneObjects(Values values) {
    String rendered = resource("control-plane.yaml").replace("${namespace}", values.namespace()).replace("${version}", values.version())
        .replace("${controllerImage}", values.controllerImage()).replace("${clusterDomain}", values.clusterDomain())
        .replace("${replicas}", Integer.toString(values.ha() ? HA_REPLICAS : 1))
        // Without the injector a pod is still created (Linkerd's default); with --ha it must not slip through unmeshed.
        .replace("${failurePolicy}", values.ha() ? "Fail" : "Ignore")
        .replace("${webhookCaBundle}", base64(values.webhook().caPem()));
    List<ObjectNode> objects = new ArrayList<>(YamlDocuments.read(rendered));
    ObjectNode secret = YamlDocuments.object().put("apiVersion", "v1").put("kind", "Secret").put("type", "Opaque");
    secret.putObject("metadata").put("name", "linkerd-identity-issuer").put("namespace", values.namespace());
    secret.putObject("data").put("crt.pem", base64(values.issuerCertificatePem())).put("key.pem", base64(values.issuerKeyPem()));
    objects.add(secret);
    ObjectNode webhookTls = YamlDocuments.object().put("apiVersion", "v1").put("kind", "Secret").put("type", "kubernetes.io/tls");
    webhookTls.putObject("metadata").put("name", "linkerd-proxy-injector-k8s-tls").put("namespace", values.namespace());
    webhookTls.putObject("data").put("tls.crt", base64(values.webhook().certificatePem()))
        .put("tls.key", base64(values.webhook().keyPem()));
    objects.add(webhookTls);
    ObjectNode roots = YamlDocuments.object().put("apiVersion", "v1").put("kind", "ConfigMap");
    roots.putObject("metadata").put("name", "linkerd-identity-trust-roots").put("namespace", values.namespace());
    roots.putObject("data").put("ca-bundle.crt", values.trustAnchorsPem());
    objects.add(roots);
    if (values.ha()) {
      ObjectNode pdb = YamlDocuments.object().put("apiVersion", "policy/v1").put("kind", "PodDisruptionBudget");
      pdb.putObject("metadata").put("name", "linkerd-control-plane").put("namespace", values.namespace());
      ObjectNode spec = pdb.putObject("spec").put("maxUnavailable", 1);
      spec.putObject("selector").putObject("matchLabels").put("linkerd.io/control-plane-component", "destination");
      objects.add(pdb);
      for (ObjectNode o : objects) {
        if (o.path("kind").asText().equals("StatefulSet")) {
          // One node per host: losing a node loses one control-plane member, not the cluster.
          ObjectNode term = ((ObjectNode) o.path("spec").path("template").path("spec")).putObject("affinity")
              .putObject("podAntiAffinity").putArray("requiredDuringSchedulingIgnoredDuringExecution").addObject();
          term.put("topologyKey", "kubernetes.io/hostname");
          term.putObject("labelSelector").putObject("matchLabels").put("linkerd.io/control-plane-component", "destination");
        }
      }
    }
    return objects;
  }

  /** {@code weft install}: the control plane, multi-document YAML. */
  public static String controlPlane(Values values) {
    return render(controlPlaneObjects(values));
  }

  private static String base64(String text) {
    return java.util.Base64.getEncoder().encodeToString(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
  }

  /** Every CRD, as objects. */
  public static List<ObjectNode> crdObjects() {
    List<ObjectNode> crds = new ArrayList<>();
    for (String file : CRD_FILES) {
      for (ObjectNode crd : YamlDocuments.read(resource(file))) {
        addOlderVersions(crd);
        crds.add(crd);
      }
    }
    return crds;
  }

  /** {@code weft install --crds}: every CRD, multi-document YAML. */
  public static String crds() {
    return render(crdObjects());
  }

  /** Multi-document YAML, each document opened with {@code ---}. */
  private static String render(List<ObjectNode> objects) {
    return "---\n" + YamlDocuments.write(objects);
  }

  private static String resource(String name) {
    try (InputStream in = InstallManifests.class.getResourceAsStream(name)) {
      return new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException("the install resource " + name + " is unreadable", e);
    }
  }


  private static void addOlderVersions(ObjectNode crd) {
    ArrayNode versions = (ArrayNode) crd.path("spec").path("versions");
    JsonNode storage = versions.get(0);
    OLDER_VERSIONS.getOrDefault(crd.path("metadata").path("name").asText(), Map.of()).entrySet().stream()
        .sorted(Map.Entry.<String, Boolean>comparingByKey().reversed())
        .forEach(v -> {
          ObjectNode older = storage.deepCopy();
          older.put("name", v.getKey()).put("storage", false);
          if (v.getValue()) {
            older.put("deprecated", true);
          }
          versions.add(older);
        });
  }
}
