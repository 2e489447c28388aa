package io.weft.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.PodBuilder;
import io.fabric8.kubernetes.api.model.SecretBuilder;
import io.fabric8.kubernetes.api.model.apps.StatefulSet;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.dsl.NonDeletingOperation;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import io.fabric8.kubernetes.client.utils.Serialization;
import io.weft.protocol.identity.CertificateAuthority;
import io.weft.protocol.identity.MeshPki;
import io.weft.k8s.MockKubeconfig;
import io.weft.k8s.decode.YamlDocuments;
import io.weft.protocol.identity.MeshKeys;
import io.weft.protocol.identity.Pem;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.Map;

import static io.weft.cli.WeftCliTest.weft;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * {@code weft install | upgrade | uninstall | check} against the Kubernetes API (fabric8's mock
 * server in CRUD mode, a fresh one per test). The test plays the cluster's controllers: it applies
 * what the CLI prints, and marks the StatefulSet's pods ready.
 */
@EnableKubernetesMockClient(crud = true)
class InstallLifecycleTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  KubernetesClient client;
  KubernetesMockServer server;
  @TempDir Path dir;
  private Path kubeconfig;

  @BeforeEach
  void kubeconfig() throws Exception {
    kubeconfig = MockKubeconfig.write(dir.resolve("kubeconfig"), client);
    server.setVersionInfo(version("31"));
  }

  private static io.fabric8.kubernetes.client.VersionInfo version(String minor) {
    return new io.fabric8.kubernetes.client.VersionInfo.Builder().withMajor("1").withMinor(minor).build();
  }

  private WeftCliTest.Run kube(String... args) {
    List<String> all = new java.util.ArrayList<>(List.of(args));
    all.addAll(List.of("--kubeconfig", kubeconfig.toString()));
    return weft(all.toArray(String[]::new));
  }

  /** kubectl apply -f -, as far as these objects need. */
  private void apply(String yaml) {
    for (var object : YamlDocuments.read(yaml)) {
      HasMetadata typed = Serialization.unmarshal(object.toString());
      client.resource(typed).createOr(NonDeletingOperation::update);
    }
  }

  /** What the StatefulSet controller and the kubelet would do: the nodes' pods, running and ready. */
  private void controlPlaneRuns(String namespace) {
    StatefulSet set = client.apps().statefulSets().inNamespace(namespace).withName("linkerd-control-plane").get();
    int replicas = set.getSpec().getReplicas();
    for (int i = 0; i < replicas; i++) {
      client.resource(new PodBuilder().withNewMetadata().withName("linkerd-control-plane-" + i).withNamespace(namespace)
          .withLabels(set.getSpec().getTemplate().getMetadata().getLabels()).endMetadata()
          .withSpec(set.getSpec().getTemplate().getSpec())
          .withNewStatus().withPhase("Running").addNewCondition().withType("Ready").withStatus("True").endCondition().endStatus()
          .build()).createOr(NonDeletingOperation::update);
    }
    set.setStatus(new io.fabric8.kubernetes.api.model.apps.StatefulSetStatusBuilder().withReplicas(replicas)
        .withReadyReplicas(replicas).build());
    client.resource(set).update();
  }

  private void installed(String... installArgs) {
    apply(kube("install", "--crds").out());
    List<String> args = new java.util.ArrayList<>(List.of("install"));
    args.addAll(List.of(installArgs));
    WeftCliTest.Run install = kube(args.toArray(String[]::new));
    assertThat(install.exit()).as(install.err()).isZero();
    apply(install.out());
    controlPlaneRuns("linkerd");
  }

  @Test
  void aGoodInstallPassesEveryCheck() throws Exception {
    installed();
    WeftCliTest.Run check = kube("check", "--wait", "0s");
    assertThat(check.exit()).as(check.out()).isZero();
    assertThat(check.out()).startsWith("Weft core checks\n================\n")
        .contains("kubernetes-api\n--------------\n√ can initialize the client\n√ can query the Kubernetes API\n")
        .contains("√ control plane CustomResourceDefinitions exist")
        .contains("√ control plane pods are ready")
        .contains("√ issuer cert is issued by the trust anchor")
        .contains("√ trust anchors are valid for at least 60 days")
        .contains("√ proxy-injector webhook has valid cert").contains("√ sp-validator cert is valid for at least 60 days")
        .contains("√ policy-validator webhook has valid cert")
        .contains("√ control plane and cli versions match")
        .doesNotContain("×").doesNotContain("‼").doesNotContain("linkerd-ha-checks")
        .endsWith("Status check results are √\n");

    JsonNode json = JSON.readTree(kube("check", "--wait", "0s", "-o", "json").out());
    assertThat(json.path("success").asBoolean()).isTrue();
    assertThat(json.path("categories").findValuesAsText("categoryName")).containsExactly("kubernetes-api", "kubernetes-version",
        "linkerd-crd", "linkerd-existence", "linkerd-config", "linkerd-identity", "linkerd-webhooks-and-apisvc-tls",
        "control-plane-version");
    assertThat(json.path("categories").findValuesAsText("result")).containsOnly("success");
    assertThat(kube("check", "--wait", "0s", "-o", "short").out()).isEqualTo("Status check results are √\n");
  }

  @Test
  void aMissingCrdFailsWithAHint() {
    installed();
    client.apiextensions().v1().customResourceDefinitions().withName("servers.policy.linkerd.io").delete();
    WeftCliTest.Run check = kube("check", "--wait", "0s");
    assertThat(check.exit()).isEqualTo(1);
    assertThat(check.out()).contains("× control plane CustomResourceDefinitions exist\n    missing servers.policy.linkerd.io\n"
        + "    hint: install them: weft install --crds | kubectl apply -f -\n").endsWith("Status check results are ×\n");
    assertThat(kube("check", "--crds").exit()).isEqualTo(1);
    apply(kube("install", "--crds").out());
    assertThat(kube("check", "--crds").exit()).isZero();
  }

  @Test
  void anIssuerEndingWithin60DaysIsWarnedAboutAndAnExpiredOneFails() throws Exception {
    installed();
    Instant now = Instant.now();
    MeshPki pki = MeshPki.create("linkerd", "cluster.local", now.minus(Duration.ofDays(300)), Duration.ofDays(3650),
        Duration.ofDays(330));
    setIssuer(pki.anchor(), pki.issuer());
    WeftCliTest.Run soon = kube("check", "--wait", "0s");
    // Linkerd's contract: a warning, not a failure (cert-manager issuers live days by design).
    assertThat(soon.exit()).as(soon.out()).isZero();
    assertThat(soon.out()).containsPattern("‼ issuer cert is valid for at least 60 days\n    issuer identity\\.linkerd\\.cluster\\.local "
        + "will expire in 2\\d days \\(until [^)]+\\)\n    hint: rotate the issuer: ");

    MeshPki expired = MeshPki.create("linkerd", "cluster.local", now.minus(Duration.ofDays(400)), Duration.ofDays(3650),
        Duration.ofDays(365));
    setIssuer(expired.anchor(), expired.issuer());
    WeftCliTest.Run failed = kube("check", "--wait", "0s");
    assertThat(failed.exit()).isEqualTo(1);
    assertThat(failed.out()).containsPattern("× issuer cert is within its validity period\n    issuer identity\\.linkerd\\.cluster\\.local "
        + "expired at \\S+\n    hint: rotate the issuer: ").endsWith("Status check results are ×\n");
  }

  private void setIssuer(CertificateAuthority.Credential anchor, CertificateAuthority.Credential issuer) {
    client.secrets().inNamespace("linkerd").withName("linkerd-identity-issuer").edit(s -> {
      s.setData(Map.of("crt.pem", b64(Pem.encode(List.of(issuer.certificate()))), "key.pem", b64(Pem.encode(issuer.key()))));
      return s;
    });
    client.configMaps().inNamespace("linkerd").withName("linkerd-identity-trust-roots").edit(c -> {
      c.setData(Map.of("ca-bundle.crt", Pem.encode(List.of(anchor.certificate()))));
      return c;
    });
  }

  @Test
  void aWrongWebhookCertificateFailsAndAnUpgradeIssuesANewOne() {
    installed();
    Instant now = Instant.now();
    var otherCa = CertificateAuthority.trustAnchor("someone else", now, Duration.ofDays(365));
    var keys = MeshKeys.newKeyPair();
    var leaf = CertificateAuthority.leaf(otherCa, keys.getPublic(), List.of("linkerd-proxy-injector.linkerd.svc",
        "linkerd-sp-validator.linkerd.svc", "linkerd-policy-validator.linkerd.svc"), now, Duration.ofDays(365));
    client.secrets().inNamespace("linkerd").withName("linkerd-webhooks-k8s-tls").edit(s -> new SecretBuilder(s)
        .addToData("tls.crt", b64(Pem.encode(List.of(leaf)))).addToData("tls.key", b64(Pem.encode(keys.getPrivate()))).build());
    WeftCliTest.Run check = kube("check", "--wait", "0s");
    assertThat(check.exit()).isEqualTo(1);
    assertThat(check.out()).contains("× proxy-injector webhook has valid cert\n    linkerd-proxy-injector: certificate of "
        + "linkerd-proxy-injector.linkerd.svc does not chain to a trusted anchor")
        .contains("    hint: issue a new webhook certificate: weft upgrade | kubectl apply -f -");

    WeftCliTest.Run upgrade = kube("upgrade");
    assertThat(upgrade.exit()).as(upgrade.err()).isZero();
    apply(upgrade.out());
    controlPlaneRuns("linkerd");
    WeftCliTest.Run again = kube("check", "--wait", "0s");
    assertThat(again.exit()).as(again.out()).isZero();
  }

  @Test
  void upgradeKeepsTheInstallsValuesAndIssuerAndTakesNewValues() {
    WeftCliTest.Run none = kube("upgrade");
    assertThat(none.exit()).isNotZero();
    assertThat(none.err()).contains("no control plane in namespace linkerd").contains("use weft install");

    installed("--set", "controllerReplicas=2", "--set", "proxy.image.name=registry.local/proxy");
    String issuer = client.secrets().inNamespace("linkerd").withName("linkerd-identity-issuer").get().getData().get("crt.pem");
    String webhook = client.secrets().inNamespace("linkerd").withName("linkerd-webhooks-k8s-tls").get().getData().get("tls.crt");
    WeftCliTest.Run upgrade = kube("upgrade", "--set", "controllerLogLevel=DEBUG");
    assertThat(upgrade.exit()).as(upgrade.err()).isZero();
    assertThat(upgrade.out()).contains("replicas: 2").contains("registry.local/proxy").contains("pekko.loglevel = \"DEBUG\"")
        .contains("crt.pem: " + issuer).contains("tls.crt: " + webhook);
    apply(upgrade.out());
    controlPlaneRuns("linkerd");
    // Two nodes: the HA checks apply.
    WeftCliTest.Run check = kube("check", "--wait", "0s");
    assertThat(check.exit()).as(check.out()).isZero();
    assertThat(check.out()).contains("linkerd-ha-checks\n-----------------\n√ pod injection disabled on kube-system\n"
        + "√ multiple replicas of control plane pods\n");
  }

  @Test
  void uninstallListsEverythingTheInstallMadeAndRefusesWhileMeshedPodsRemain() {
    installed();
    client.resource(new PodBuilder().withNewMetadata().withName("web-1").withNamespace("shop")
        .withLabels(Map.of("linkerd.io/control-plane-ns", "linkerd")).endMetadata()
        .withNewSpec().addNewContainer().withName("web").withImage("web").endContainer().endSpec().build()).create();
    WeftCliTest.Run refused = kube("uninstall");
    assertThat(refused.exit()).isNotZero();
    assertThat(refused.err()).contains("1 meshed pod(s) remain (shop/web-1)").contains("--force");

    WeftCliTest.Run forced = kube("uninstall", "--force");
    assertThat(forced.exit()).as(forced.err()).isZero();
    List<com.fasterxml.jackson.databind.node.ObjectNode> deletions = YamlDocuments.read(forced.out());
    assertThat(deletions).extracting(o -> o.path("kind").asText() + "/" + o.path("metadata").path("name").asText()).contains(
        "StatefulSet/linkerd-control-plane", "Namespace/linkerd", "ClusterRole/linkerd-linkerd-destination",
        "MutatingWebhookConfiguration/linkerd-proxy-injector-webhook-config", "Secret/linkerd-identity-issuer",
        "CustomResourceDefinition/servers.policy.linkerd.io", "CustomResourceDefinition/serviceprofiles.linkerd.io")
        .doesNotContain("Pod/web-1");
    int installedObjects = YamlDocuments.read(kube("install").out()).size() + YamlDocuments.read(kube("install", "--crds").out()).size();
    assertThat(deletions).hasSize(installedObjects);
    for (var deletion : deletions) {
      client.resource((HasMetadata) Serialization.unmarshal(deletion.toString())).delete();
    }
    assertThat(kube("uninstall", "--force").err()).contains("nothing of a control plane in namespace linkerd to delete");
  }

  @Test
  void proxyChecksFindProxiesOnOldTrustAnchors() {
    installed();
    String anchors = client.configMaps().inNamespace("linkerd").withName("linkerd-identity-trust-roots").get().getData()
        .get("ca-bundle.crt");
    meshedPod("web-1", io.weft.k8s.Digests.sha256Hex(anchors));
    WeftCliTest.Run good = kube("check", "--proxy", "-n", "shop", "--wait", "0s");
    assertThat(good.exit()).as(good.out()).isZero();
    assertThat(good.out()).contains("√ data plane proxies certificate match CA").contains("√ data plane proxies are ready")
        .contains("√ data plane and cli versions match");

    meshedPod("web-2", io.weft.k8s.Digests.sha256Hex("an older anchor"));
    WeftCliTest.Run stale = kube("check", "--proxy", "-n", "shop", "--wait", "0s");
    assertThat(stale.exit()).isEqualTo(1);
    assertThat(stale.out()).contains("× data plane proxies certificate match CA\n    1 pod(s) started with other trust anchors: "
        + "shop/web-2\n    hint: restart these workloads (kubectl rollout restart)");
  }

  @Test
  void proxyChecksFindProxiesWhosePolicyStreamIsDown() throws Exception {
    installed();
    String anchors = client.configMaps().inNamespace("linkerd").withName("linkerd-identity-trust-roots").get().getData()
        .get("ca-bundle.crt");
    String current = io.weft.k8s.Digests.sha256Hex(anchors);
    meshedPod("web-1", current);
    policyFollowingPod("api-1", current);
    // What a proxy that follows its port's policy reports (the API server's pod proxy is the stand-in here).
    io.weft.proxy.metrics.ProxyMetrics following = new io.weft.proxy.metrics.ProxyMetrics();
    following.authz().policyStreams(java.util.Set.of(8080), port -> true);
    server.expect().get().withPath("/api/v1/namespaces/shop/pods/api-1:4191/proxy/metrics").andReturn(200, following.scrape()).always();
    WeftCliTest.Run good = kube("check", "--proxy", "-n", "shop", "--wait", "0s");
    assertThat(good.exit()).as(good.out()).isZero();
    assertThat(good.out()).contains("√ data plane proxies follow their inbound policy");

    // A real proxy whose policy service is unreachable: its stream is down, and the check says so.
    policyFollowingPod("api-2", current);
    var system = ClientSystem.create();
    try {
      int nobody;
      try (java.net.ServerSocket s = new java.net.ServerSocket(0)) {
        nobody = s.getLocalPort();
      }
      var policies = new io.weft.proxy.policy.InboundPolicies(system,
          io.weft.proxy.control.ControlPlaneClient.inboundPolicies(system, new java.net.InetSocketAddress("127.0.0.1", nobody)),
          "{\"ns\":\"shop\",\"pod\":\"api-2\"}", java.util.Set.of(8080),
          new io.weft.proxy.discovery.Following.Limits(java.time.Duration.ofMillis(100), java.time.Duration.ofSeconds(1),
              io.weft.proxy.config.ProxyConfig.fromEnv(Map.of()).controlPlane().stream()));
      io.weft.proxy.metrics.ProxyMetrics cutOff = new io.weft.proxy.metrics.ProxyMetrics();
      cutOff.authz().policyStreams(policies.ports(), policies::following);
      server.expect().get().withPath("/api/v1/namespaces/shop/pods/api-2:4191/proxy/metrics").andReturn(200, cutOff.scrape()).always();
    } finally {
      system.terminate();
    }
    WeftCliTest.Run down = kube("check", "--proxy", "-n", "shop", "--wait", "0s");
    assertThat(down.exit()).isEqualTo(1);
    assertThat(down.out()).contains("× data plane proxies follow their inbound policy\n    1 proxy(ies) not following their inbound "
        + "policy: shop/api-2 (port 8080)\n    hint: a proxy whose policy stream is down");
  }

  /** A meshed pod whose proxy the injector told to follow port 8080's policy. */
  private void policyFollowingPod(String name, String trustRootSha) {
    meshedPod(name, trustRootSha);
    var pod = client.pods().inNamespace("shop").withName(name).get();
    pod.getSpec().getInitContainers().getFirst().setEnv(List.of(
        new io.fabric8.kubernetes.api.model.EnvVar("LINKERD2_PROXY_INBOUND_PORTS", "8080", null),
        new io.fabric8.kubernetes.api.model.EnvVar("LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "0.0.0.0:4191", null)));
    client.resource(pod).update();
  }

  private void meshedPod(String name, String trustRootSha) {
    client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("shop")
        .endMetadata().build()).createOr(NonDeletingOperation::update);
    client.resource(new PodBuilder().withNewMetadata().withName(name).withNamespace("shop")
        .withLabels(Map.of("linkerd.io/control-plane-ns", "linkerd"))
        .withAnnotations(Map.of("linkerd.io/proxy-version", Weft.version(), "linkerd.io/trust-root-sha256", trustRootSha))
        .endMetadata()
        .withNewSpec().addNewInitContainer().withName("linkerd-proxy").withImage("proxy").withRestartPolicy("Always").endInitContainer()
        .addNewContainer().withName("web").withImage("web").endContainer().endSpec()
        .withNewStatus().addNewInitContainerStatus().withName("linkerd-proxy").withReady(true).endInitContainerStatus().endStatus()
        .build()).createOr(NonDeletingOperation::update);
  }

  @Test
  void injectManualGivesPodsWhatTheInstalledInjectorWould() throws Exception {
    installed("--set", "proxy.image.name=registry.local/proxy", "--set", "proxy.uid=3100");
    String anchors = client.configMaps().inNamespace("linkerd").withName("linkerd-identity-trust-roots").get().getData()
        .get("ca-bundle.crt");
    WeftCliTest.Run injected = kube("inject", "--manual", Path.of("..", "examples", "emojivoto", "emojivoto.yaml").toString());
    assertThat(injected.exit()).as(injected.err()).isZero();
    assertThat(injected.out()).contains("image: registry.local/proxy:" + Weft.version()).contains("runAsUser: 3100")
        .contains("linkerd.io/trust-root-sha256: " + io.weft.k8s.Digests.sha256Hex(anchors))
        .contains(anchors.lines().skip(1).findFirst().orElseThrow());
  }

  @Test
  void preChecksAskTheApiWhatTheUserMayDo() {
    server.expect().post().withPath("/apis/authorization.k8s.io/v1/selfsubjectaccessreviews").andReturn(201,
        Map.of("apiVersion", "authorization.k8s.io/v1", "kind", "SelfSubjectAccessReview", "spec", Map.of(),
            "status", Map.of("allowed", true))).always();
    WeftCliTest.Run fresh = kube("check", "--pre");
    assertThat(fresh.exit()).as(fresh.out()).isZero();
    assertThat(fresh.out()).contains("pre-kubernetes-setup\n--------------------\n√ control plane namespace does not already exist\n"
        + "√ can create non-namespaced resources\n").contains("√ can read Secrets").contains("√ no clock skew detected");
    server.setVersionInfo(version("28"));
    assertThat(kube("check", "--pre").out()).contains("√ is running the minimum Kubernetes API version\n"
        + "‼ supports native sidecar containers\n    Kubernetes 1.28 has no native sidecars");
    server.setVersionInfo(version("21"));
    assertThat(kube("check", "--pre").out()).contains("× is running the minimum Kubernetes API version\n"
        + "    Kubernetes 1.21 is older than 1.22\n");
    client.namespaces().resource(new io.fabric8.kubernetes.api.model.NamespaceBuilder().withNewMetadata().withName("linkerd")
        .endMetadata().build()).create();
    WeftCliTest.Run taken = kube("check", "--pre");
    assertThat(taken.exit()).isEqualTo(1);
    assertThat(taken.out()).contains("× control plane namespace does not already exist\n    the linkerd namespace already exists\n");
  }

  @Test
  void noClusterFailsTheFirstCheckAndStops() throws Exception {
    Path nowhere = dir.resolve("nowhere");
    int closedPort;
    try (var socket = new java.net.ServerSocket(0)) {
      closedPort = socket.getLocalPort();
    }
    Files.writeString(nowhere, Files.readString(kubeconfig).replaceAll("server: \"[^\"]+\"",
        "server: \"https://127.0.0.1:" + closedPort + "\""));
    WeftCliTest.Run check = weft("check", "--kubeconfig", nowhere.toString(), "--wait", "0s");
    assertThat(check.exit()).isEqualTo(1);
    assertThat(check.out()).contains("√ can initialize the client\n× can query the Kubernetes API\n    https://127.0.0.1:" + closedPort)
        .contains("ConnectException")
        .contains("hint: check that your kubeconfig points at the cluster").doesNotContain("kubernetes-version")
        .endsWith("Status check results are ×\n");
  }

  private static String b64(String text) {
    return Base64.getEncoder().encodeToString(text.getBytes(StandardCharsets.UTF_8));
  }
}
