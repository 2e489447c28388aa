package io.weft.operator.install;

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

  /** The ConfigMap keeping the values an install was rendered with (Linkerd's name and key). */
  public static final String CONFIG_MAP = "linkerd-config";
  /** One serving certificate for every admission webhook, each Service's name among its DNS names. */
  public static final String WEBHOOK_SECRET = "linkerd-webhooks-k8s-tls";
  public static final String STATEFUL_SET = "linkerd-control-plane";
  private static final String CONTROL_PLANE_CONFIG = "weft-control-plane-config";
  private static final String CONTROL_PLANE_CONFIG_FILE = "control-plane.conf";

  /** The admission webhooks the control plane serves: their Services and webhook configurations. */
  public enum AdmissionWebhook {
    PROXY_INJECTOR("linkerd-proxy-injector", "MutatingWebhookConfiguration", "linkerd-proxy-injector-webhook-config"),
    SP_VALIDATOR("linkerd-sp-validator", "ValidatingWebhookConfiguration", "linkerd-sp-validator-webhook-config"),
    POLICY_VALIDATOR("linkerd-policy-validator", "ValidatingWebhookConfiguration", "linkerd-policy-validator-webhook-config");

    public final String service;
    public final String configurationKind;
    public final String configuration;

    AdmissionWebhook(String service, String configurationKind, String configuration) {
      this.service = service;
      this.configurationKind = configurationKind;
      this.configuration = configuration;
    }

    /** The name the API server checks the serving certificate for. */
    public String dnsName(String namespace) {
      return service + "." + namespace + ".svc";
    }

    /**
     * Checks a serving certificate chain (PEM) as the API server would at {@code at}: valid, chaining
     * to the CA bundle (PEM), naming this webhook's Service. Throws {@link IllegalArgumentException}
     * for PEM that does not parse.
     */
    public void verify(String caBundlePem, String certificatePem, String namespace, java.time.Instant at)
        throws io.weft.protocol.identity.IdentityCertificateException {
      io.weft.protocol.identity.TrustBundle.fromPem(caBundlePem, configuration + " CA")
          .verify(io.weft.protocol.identity.Pem.certificates(certificatePem, "webhook certificate"), at, dnsName(namespace));
    }
  }

  private InstallManifests() {}

  /** An install: where, which version, its values and its credentials. */
  public record Install(String namespace, String version, InstallValues values, Credentials credentials) {
    /** The image tag: the {@code linkerdVersion} value, else the CLI's version. */
    public String imageVersion() {
      String pinned = values.text("linkerdVersion");
      return pinned.isEmpty() ? version : pinned;
    }
  }

  /**
   * The secrets of an install (all PEM): the mesh's trust anchors and issuer, and the admission
   * webhooks' CA and serving certificate and key.
   */
  public record Credentials(String trustAnchorsPem, String issuerCertificatePem, String issuerKeyPem, String webhookCaPem,
                            String webhookCertificatePem, String webhookKeyPem) {
    /** No secrets: for knowing which objects an install consists of, never for applying. */
    public static Credentials none() {
      return new Credentials("", "", "", "", "", "");
    }
  }

  /**
   * The control plane: namespace, RBAC, Services, the StatefulSet, the admission webhooks, the
   * identity issuer Secret and trust roots, and the install's configuration. Throws
   * {@link IllegalArgumentException} when a value cannot be used.
   */
  public static List<ObjectNode> controlPlaneObjects(Install install) {
    InstallValues values = install.values();
    String controlPlaneConfig = controlPlaneConfig(install);
    String failurePolicy = values.text("webhookFailurePolicy");
    if (!failurePolicy.equals("Ignore") && !failurePolicy.equals("Fail")) {
      throw new IllegalArgumentException("webhookFailurePolicy is Ignore or Fail, not '" + failurePolicy + "'");
    }
    if (values.number("controllerReplicas") < 1) {
      throw new IllegalArgumentException("controllerReplicas must be at least 1");
    }
    Map<String, String> placeholders = Map.of(
        "namespace", install.namespace(),
        "version", install.imageVersion(),
        "controllerImage", values.text("controllerImage"),
        "imagePullPolicy", values.text("imagePullPolicy"),
        "clusterDomain", values.text("clusterDomain"),
        "controllerReplicas", Integer.toString(values.number("controllerReplicas")),
        "webhookFailurePolicy", failurePolicy,
        "webhookTimeoutSeconds", Integer.toString(values.number("proxyInjector.timeoutSeconds")),
        "webhookCaBundle", base64(install.credentials().webhookCaPem()),
        "configChecksum", io.weft.k8s.Digests.sha256Hex(controlPlaneConfig));
    List<ObjectNode> objects = new ArrayList<>(YamlDocuments.read(substitute(resource("control-plane.yaml"), placeholders)));
    Credentials credentials = install.credentials();
    objects.add(secret(install.namespace(), io.weft.k8s.identity.IssuerSecrets.ISSUER_SECRET, "Opaque", Map.of("crt.pem", credentials.issuerCertificatePem(),
        "key.pem", credentials.issuerKeyPem())));
    // ca.crt too, as cert-manager writes it: upgrade and check find the webhooks' CA next to the certificate.
    objects.add(secret(install.namespace(), WEBHOOK_SECRET, "kubernetes.io/tls", Map.of("tls.crt", credentials.webhookCertificatePem(),
        "tls.key", credentials.webhookKeyPem(), "ca.crt", credentials.webhookCaPem())));
    objects.add(configMap(install.namespace(), io.weft.k8s.identity.IssuerSecrets.TRUST_ROOTS, Map.of(io.weft.k8s.identity.IssuerSecrets.TRUST_BUNDLE_KEY, credentials.trustAnchorsPem())));
    objects.add(configMap(install.namespace(), CONFIG_MAP, Map.of("values", values.toYaml())));
    objects.add(configMap(install.namespace(), CONTROL_PLANE_CONFIG, Map.of(CONTROL_PLANE_CONFIG_FILE, controlPlaneConfig)));
    ObjectNode statefulSet = objects.stream().filter(o -> o.path("kind").asText().equals("StatefulSet")).findFirst().orElseThrow();
    schedule(statefulSet, values);
    if (values.flag("enablePodDisruptionBudget")) {
      ObjectNode pdb = YamlDocuments.object().put("apiVersion", "policy/v1").put("kind", "PodDisruptionBudget");
      pdb.putObject("metadata").put("name", STATEFUL_SET).put("namespace", install.namespace());
      ObjectNode spec = pdb.putObject("spec").put("maxUnavailable", 1);
      spec.putObject("selector").putObject("matchLabels").put("linkerd.io/control-plane-component", "destination");
      objects.add(pdb);
    }
    // Every object of an install names its namespace with the label meshed pods carry: what weft uninstall finds.
    objects.forEach(o -> ((ObjectNode) o.path("metadata")).withObjectProperty("labels")
        .put(io.weft.k8s.model.PodResource.CONTROL_PLANE_NS_LABEL, install.namespace()));
    return objects;
  }

  /** {@code weft install}: the control plane, multi-document YAML. */
  public static String controlPlane(Install install) {
    return render(controlPlaneObjects(install));
  }

  /** What runs where: resources, labels, annotations, node selection, anti-affinity. */
  private static void schedule(ObjectNode statefulSet, InstallValues values) {
    ObjectNode template = (ObjectNode) statefulSet.path("spec").path("template");
    ObjectNode meta = (ObjectNode) template.path("metadata");
    values.map("podLabels").forEach(meta.withObjectProperty("labels")::put);
    values.map("podAnnotations").forEach(meta.withObjectProperty("annotations")::put);
    ObjectNode spec = (ObjectNode) template.path("spec");
    if (!values.map("nodeSelector").isEmpty()) {
      ObjectNode selector = spec.putObject("nodeSelector");
      values.map("nodeSelector").forEach(selector::put);
    }
    if (!values.node("tolerations").isEmpty()) {
      spec.set("tolerations", values.node("tolerations"));
    }
    ObjectNode container = (ObjectNode) spec.path("containers").get(0);
    ObjectNode resources = container.putObject("resources");
    for (String resource : List.of("cpu", "memory")) {
      for (String bound : List.of("request", "limit")) {
        String quantity = values.text("destinationResources." + resource + "." + bound);
        if (!quantity.isEmpty()) {
          resources.withObjectProperty(bound + "s").put(resource, quantity);
        }
      }
    }
    if (values.flag("enablePodAntiAffinity")) {
      // One node per host: losing a host loses one control-plane member, not the cluster.
      ObjectNode term = spec.putObject("affinity").putObject("podAntiAffinity")
          .putArray("requiredDuringSchedulingIgnoredDuringExecution").addObject();
      term.put("topologyKey", "kubernetes.io/hostname");
      term.putObject("labelSelector").putObject("matchLabels").put("linkerd.io/control-plane-component", "destination");
    }
  }

  /** The control plane's own settings file (HOCON): its run-time settings and how its nodes find each other. */
  private static String controlPlaneConfig(Install install) {
    List<String> bootstrap = List.of(
        // The nodes form their cluster through Pekko Management's bootstrap, each found at its pod IP. A majority
        // of them is enough to form it (one unschedulable node must not keep the others out), and no two
        // majorities can form two clusters.
        "weft.control-plane.cluster-bootstrap.enabled = on",
        "pekko.management.http.hostname = ${POD_IP}",
        "pekko.management.http.bind-hostname = \"0.0.0.0\"",
        "pekko.management.cluster.bootstrap.contact-point-discovery.required-contact-point-nr = "
            + (install.values().number("controllerReplicas") / 2 + 1));
    return "# Rendered by weft install from the install's values.\n" + runtimeSettingsText(install) + String.join("\n", bootstrap)
        + "\n";
  }

  /**
   * What the install's values set at run time (names, identity lifetimes, what the injector gives
   * pods, log level): the control plane's, and {@code weft inject --manual}'s from a cluster's values.
   */
  public static com.typesafe.config.Config runtimeSettings(String namespace, String version, InstallValues values) {
    return com.typesafe.config.ConfigFactory.parseString(runtimeSettingsText(new Install(namespace, version, values,
        Credentials.none())));
  }

  private static String runtimeSettingsText(Install install) {
    InstallValues values = install.values();
    String proxyVersion = values.text("proxy.image.version");
    List<String> lines = List.of(
        "weft.discovery.control-plane-namespace = " + quote(install.namespace()),
        "weft.discovery.trust-domain = " + quote(values.text("identityTrustDomain")),
        "weft.discovery.cluster-domain = " + quote(values.text("clusterDomain")),
        "weft.identity.issuance-lifetime = " + quote(duration(values, "identity.issuer.issuanceLifetime")),
        "weft.identity.clock-skew-allowance = " + quote(duration(values, "identity.issuer.clockSkewAllowance")),
        "weft.proxy-injector.proxy-image = " + quote(values.text("proxy.image.name")),
        "weft.proxy-injector.proxy-version = " + quote(proxyVersion.isEmpty() ? install.imageVersion() : proxyVersion),
        "weft.proxy-injector.init-image = " + quote(values.text("proxyInit.image.name")),
        "weft.proxy-injector.proxy-uid = " + values.number("proxy.uid"),
        "weft.proxy-injector.cni-enabled = " + values.flag("cniEnabled"),
        "weft.proxy-injector.default-inbound-policy = " + quote(defaultInboundPolicy(values)),
        "weft.proxy-injector.cluster-networks = " + quote(clusterNetworks(values)),
        "pekko.loglevel = " + quote(values.text("controllerLogLevel")));
    return String.join("\n", lines) + "\n";
  }

  private static String defaultInboundPolicy(InstallValues values) {
    String text = values.text("proxy.defaultInboundPolicy");
    try {
      return io.weft.protocol.policy.DefaultPolicy.parse(text).linkerdName();
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("proxy.defaultInboundPolicy: " + e.getMessage(), e);
    }
  }

  private static String clusterNetworks(InstallValues values) {
    String text = values.text("clusterNetworks");
    try {
      for (String network : text.split(",")) {
        io.weft.protocol.net.Cidr.parse(network);
      }
      return text;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("clusterNetworks: " + e.getMessage(), e);
    }
  }

  private static String duration(InstallValues values, String key) {
    String text = values.text(key);
    try {
      com.typesafe.config.ConfigFactory.parseMap(Map.of("d", text)).getDuration("d");
      return text;
    } catch (com.typesafe.config.ConfigException e) {
      throw new IllegalArgumentException(key + " is a duration like 24h or 20s, not '" + text + "'", e);
    }
  }

  private static String quote(String text) {
    return com.typesafe.config.ConfigValueFactory.fromAnyRef(text).render(com.typesafe.config.ConfigRenderOptions.concise());
  }

  static String substitute(String template, Map<String, String> placeholders) {
    String rendered = template;
    for (Map.Entry<String, String> p : placeholders.entrySet()) {
      rendered = rendered.replace("${" + p.getKey() + "}", p.getValue());
    }
    int left = rendered.indexOf("${");
    if (left >= 0) {
      throw new IllegalStateException("the install template has an unknown placeholder at " + rendered.substring(left,
          Math.min(rendered.length(), left + 40)));
    }
    return rendered;
  }

  private static ObjectNode secret(String namespace, String name, String type, Map<String, String> data) {
    ObjectNode secret = YamlDocuments.object().put("apiVersion", "v1").put("kind", "Secret").put("type", type);
    secret.putObject("metadata").put("name", name).put("namespace", namespace);
    ObjectNode encoded = secret.putObject("data");
    new java.util.TreeMap<>(data).forEach((k, v) -> encoded.put(k, base64(v)));
    return secret;
  }

  static ObjectNode configMap(String namespace, String name, Map<String, String> data) {
    ObjectNode map = YamlDocuments.object().put("apiVersion", "v1").put("kind", "ConfigMap");
    map.putObject("metadata").put("name", name).put("namespace", namespace);
    ObjectNode entries = map.putObject("data");
    new java.util.TreeMap<>(data).forEach(entries::put);
    return map;
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
  static String render(List<ObjectNode> objects) {
    return "---\n" + YamlDocuments.write(objects);
  }

  static String resource(String name) {
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
