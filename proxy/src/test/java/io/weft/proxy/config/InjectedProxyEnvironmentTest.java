package io.weft.proxy.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import io.weft.operator.inject.InjectionSettings;
import io.weft.operator.inject.ManifestInjector;
import io.weft.operator.inject.ProxyInjector;
import io.weft.proxy.TestIdentities;
import io.weft.proxy.admin.LogLevels;
import org.junit.jupiter.api.Test;

import java.net.InetAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The injected environment walked through the proxy's configuration, as the kubelet would hand it
 * over (downward-API fields filled in, {@code $(VAR)} references expanded): every
 * {@code LINKERD2_PROXY_*} variable the injector writes is one the proxy reads, and the only ones it
 * will not act on are those it says so about.
 */
class InjectedProxyEnvironmentTest {
  private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
  /** What the kubelet knows of the pod when it starts the proxy. */
  private static final Map<String, String> POD_FIELDS = Map.of("metadata.name", "web-5f7d8c-x2x9q", "metadata.namespace", "emojivoto",
      "metadata.uid", "0b7d6a3e-9c1f-4a51-8f0e-3c2d1b0a9f8e", "spec.nodeName", "node-1", "spec.serviceAccountName", "web",
      "status.podIPs", "10.42.0.7,fd00::7");

  private static String deployment(String annotations) {
    return """
        apiVersion: apps/v1
        kind: Deployment
        metadata: {name: web, namespace: emojivoto}
        spec:
          selector: {matchLabels: {app: web}}
          template:
            metadata: {labels: {app: web}, annotations: %s}
            spec:
              serviceAccountName: web
              containers:
              - name: web-svc
                image: buoyantio/emojivoto-web:v11
                ports: [{containerPort: 8080}, {containerPort: 3306}]
        """.formatted(annotations);
  }

  private static Map<String, String> injectedEnvironment(String manifest) throws Exception {
    String anchors = io.weft.protocol.identity.Pem.encode(List.of(TestIdentities.newPki().anchor().certificate()));
    ManifestInjector injector = new ManifestInjector(new ProxyInjector(InjectionSettings.defaults("1.2.3", anchors, "weft/test")));
    JsonNode injected = YAML.readTree(injector.inject(manifest, ProxyInjector.Mode.MANUAL, false).yaml());
    JsonNode proxy = null;
    for (JsonNode c : injected.path("spec").path("template").path("spec").path("initContainers")) {
      if (c.path("name").asText().equals(ProxyInjector.PROXY)) {
        proxy = c;
      }
    }
    assertThat(proxy).as("the injected proxy").isNotNull();
    return io.weft.proxy.KubeletEnvironment.of(proxy, POD_FIELDS);
  }

  @Test
  void everyVariableOfADefaultInjectionIsReadAndActedOn() throws Exception {
    Map<String, String> env = injectedEnvironment(deployment("{}"));
    ProxyConfig config = ProxyConfig.fromEnv(env);

    // Read, each one: nothing unknown. The one not acted on says why (Weft follows the listed ports' policies for good).
    assertThat(config.notices()).extracting(ProxyConfig.Notice::variable)
        .containsExactly("LINKERD2_PROXY_INBOUND_DISCOVERY_IDLE_TIMEOUT");
    assertThat(config.notices().getFirst().message()).startsWith("LINKERD2_PROXY_INBOUND_DISCOVERY_IDLE_TIMEOUT=90s is ignored: ");

    assertThat(config.inbound().ips()).containsExactly(InetAddress.getByName("10.42.0.7"), InetAddress.getByName("fd00::7"));
    assertThat(config.inbound().listen().getPort()).isEqualTo(4143);
    assertThat(config.inbound().connectTimeout()).isEqualTo(Duration.ofMillis(100));
    assertThat(config.inbound().opaquePorts().stream().boxed().toList()).containsExactly(3306);
    assertThat(config.inbound().sockets().accept().keepalive()).contains(Duration.ofSeconds(10));
    assertThat(config.inbound().sockets().accept().userTimeout()).contains(Duration.ofSeconds(30));
    assertThat(config.inbound().http2().interval()).contains(Duration.ofSeconds(10));
    assertThat(config.inbound().http2().timeout()).contains(Duration.ofSeconds(3));
    assertThat(config.outbound().listens()).extracting(a -> a.getHostString() + ":" + a.getPort())
        .containsExactly("127.0.0.1:4140", "::1:4140");
    assertThat(config.outbound().sockets().connect().keepalive()).contains(Duration.ofSeconds(10));
    assertThat(config.outbound().sockets().connect().userTimeout()).contains(Duration.ofSeconds(30));
    assertThat(config.outbound().connectTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(config.outbound().discoveryIdleTimeout()).isEqualTo(Duration.ofSeconds(5));
    assertThat(config.controlPlane().profileNetworks()).hasSize(5);
    assertThat(config.controlPlane().stream()).isEqualTo(new ProxyConfig.ControlStream(Duration.ofSeconds(3), Duration.ofMinutes(5),
        Duration.ofHours(1)));
    assertThat(config.controlPlane().destinationContext())
        .isEqualTo("{\"ns\":\"emojivoto\", \"nodeName\":\"node-1\", \"pod\":\"web-5f7d8c-x2x9q\"}");
    ProxyConfig.PolicyService policy = config.controlPlane().policy().orElseThrow();
    assertThat(policy.workload()).isEqualTo("{\"ns\":\"emojivoto\", \"pod\":\"web-5f7d8c-x2x9q\"}");
    assertThat(policy.ports().stream().boxed().toList()).containsExactly(3306, 8080);
    assertThat(config.identity().orElseThrow().localName()).isEqualTo("web.emojivoto.serviceaccount.identity.linkerd.cluster.local");
    assertThat(config.admin().tapIdentity()).contains("tap.linkerd-viz.serviceaccount.identity.linkerd.cluster.local");
    assertThat(config.process().cores()).isEmpty();
    assertThat(config.process().shutdownGracePeriod()).isEqualTo(Duration.ofMinutes(2));
    // Linkerd's log filter, span filters and all, is one the proxy's log levels take.
    new LogLevels(config.process().logLevel());

    // And a proxy starts from it: what only a cluster has (addresses, the identity service) made local.
    Map<String, String> local = new java.util.HashMap<>(env);
    local.keySet().removeIf(name -> name.startsWith("LINKERD2_PROXY_IDENTITY_"));
    local.putAll(Map.of("LINKERD2_PROXY_INBOUND_LISTEN_ADDR", "127.0.0.1:0", "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS", "127.0.0.1:0,[::1]:0", "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", "127.0.0.1:0",
        "LINKERD2_PROXY_CONTROL_LISTEN_ADDR", "127.0.0.1:0", "LINKERD2_PROXY_DESTINATION_SVC_ADDR", "127.0.0.1:1",
        "LINKERD2_PROXY_POLICY_SVC_ADDR", "127.0.0.1:1"));
    try (io.weft.proxy.ProxyRuntime proxy = io.weft.proxy.ProxyRuntime.start(ProxyConfig.fromEnv(local), local,
        com.typesafe.config.ConfigFactory.load())) {
      proxy.ready().toCompletableFuture().get(30, java.util.concurrent.TimeUnit.SECONDS);
      assertThat(proxy.inboundAddress().getPort()).isPositive();
    }
  }

  @Test
  void theAnnotatedVariablesAreReadAndTheOnesNotActedOnAreNamed() throws Exception {
    Map<String, String> env = injectedEnvironment(deployment("""
        {config.linkerd.io/proxy-cpu-limit: 1500m, config.linkerd.io/proxy-require-identity-inbound-ports: "8080",
         config.linkerd.io/proxy-log-format: json, config.linkerd.io/shutdown-grace-period: 45s,
         config.linkerd.io/proxy-disable-inbound-protocol-detect-timeout: "true", config.linkerd.io/access-log: apache,
         config.linkerd.io/proxy-metrics-hostname-labels: "true", config.linkerd.io/enable-external-profiles: "true"}"""));
    env.put("LINKERD2_PROXY_SOMETHING_NEWER", "1");
    ProxyConfig config = ProxyConfig.fromEnv(env);
    assertThat(config.process().cores()).contains(2);
    assertThat(config.process().logFormat()).isEqualTo("json");
    assertThat(config.process().shutdownGracePeriod()).isEqualTo(Duration.ofSeconds(45));
    assertThat(config.inbound().identityRequiredPorts().stream().boxed().toList()).containsExactly(8080);
    assertThat(config.inbound().detectTimeout()).isEqualTo(Duration.ofDays(365));
    assertThat(config.controlPlane().clusterDomain()).isEqualTo("cluster.local");
    assertThat(config.notices()).extracting(ProxyConfig.Notice::variable).containsExactly("LINKERD2_PROXY_ACCESS_LOG",
        "LINKERD2_PROXY_INBOUND_DISCOVERY_IDLE_TIMEOUT", "LINKERD2_PROXY_OUTBOUND_METRICS_HOSTNAME_LABELS",
        "LINKERD2_PROXY_SOMETHING_NEWER");
    assertThat(config.notices().getLast().message()).startsWith("LINKERD2_PROXY_SOMETHING_NEWER=1 is ignored: not used by this proxy");
    assertThat(Optional.of(config.notices().getFirst().why())).hasValueSatisfying(why -> assertThat(why).contains("access logs"));
  }
}
