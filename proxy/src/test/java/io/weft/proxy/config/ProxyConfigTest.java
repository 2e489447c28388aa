package io.weft.proxy.config;

import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class ProxyConfigTest {
  @Test
  void defaultsAreLinkerds() {
    ProxyConfig c = ProxyConfig.fromEnv(Map.of());
    assertThat(c.inbound().listen().getPort()).isEqualTo(4143);
    assertThat(c.outbound().listen().getHostString()).isEqualTo("127.0.0.1");
    assertThat(c.outbound().listen().getPort()).isEqualTo(4140);
    assertThat(c.admin().listen().getPort()).isEqualTo(4191);
    assertThat(c.admin().controlListen().getPort()).isEqualTo(4190);
    assertThat(c.inbound().detectTimeout()).isEqualTo(Duration.ofSeconds(10));
    assertThat(c.outbound().limits().failfastTimeout()).isEqualTo(Duration.ofSeconds(3));
    assertThat(c.inbound().limits().failfastTimeout()).isEqualTo(Duration.ofSeconds(1));
    assertThat(c.outbound().limits().queueCapacity()).isEqualTo(100);
    assertThat(c.inbound().opaquePorts().stream().boxed().toList()).containsExactly(25, 587, 3306, 4444, 5432, 6379, 9300, 11211);
    assertThat(c.admin().shutdownEndpointEnabled()).isFalse();
    assertThat(c.controlPlane().stream()).isEqualTo(new ProxyConfig.ControlStream(Duration.ofSeconds(3), Duration.ofMinutes(5),
        Duration.ofHours(1)));
    assertThat(c.controlPlane().clusterDomain()).isEqualTo("cluster.local");
  }

  @Test
  void theClusterDomainIsTheProfileSuffixesDomain() {
    assertThat(ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_DESTINATION_PROFILE_SUFFIXES", "svc.example.org."))
        .controlPlane().clusterDomain()).isEqualTo("example.org");
    // External profiles ("."): the suffixes name no cluster domain, so it stays Linkerd's default.
    assertThat(ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_DESTINATION_PROFILE_SUFFIXES", "."))
        .controlPlane().clusterDomain()).isEqualTo("cluster.local");
  }

  @Test
  void readsTheInjectorsValues() {
    ProxyConfig c = ProxyConfig.fromEnv(Map.of(
        "LINKERD2_PROXY_INBOUND_LISTEN_ADDR", "[::]:4143",
        "LINKERD2_PROXY_CONTROL_LISTEN_ADDR", ":4190",
        "LINKERD2_PROXY_DESTINATION_SVC_ADDR", "linkerd-dst-headless.linkerd.svc.cluster.local.:8086",
        "LINKERD2_PROXY_DESTINATION_SVC_NAME", "linkerd-destination.linkerd.serviceaccount.identity.linkerd.cluster.local",
        "LINKERD2_PROXY_DESTINATION_CONTEXT", "{\"ns\":\"emojivoto\",\"nodeName\":\"n1\",\"pod\":\"web-1\"}",
        "LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT", "100ms",
        "LINKERD2_PROXY_OUTBOUND_DETECT_TIMEOUT", "365d",
        "LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION", "3306,4000-4002",
        "LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED", "true"));
    assertThat(c.inbound().listen().getHostString()).isEqualTo("::");
    assertThat(c.admin().controlListen().getHostString()).isEqualTo("0.0.0.0");
    assertThat(c.controlPlane().destinationAddress().orElseThrow().getPort()).isEqualTo(8086);
    assertThat(c.controlPlane().destinationContext()).contains("web-1");
    assertThat(c.inbound().connectTimeout()).isEqualTo(Duration.ofMillis(100));
    assertThat(c.outbound().detectTimeout()).isEqualTo(Duration.ofDays(365));
    assertThat(c.inbound().opaquePorts().stream().boxed().toList()).containsExactly(3306, 4000, 4001, 4002);
    assertThat(c.admin().shutdownEndpointEnabled()).isTrue();
  }

  @Test
  void theInboundPolicyIsTheInjectorsDefaultOverTheClusterNetworks() {
    ProxyConfig defaults = ProxyConfig.fromEnv(Map.of());
    assertThat(defaults.inbound().defaultPolicy()).isEqualTo(io.weft.protocol.policy.DefaultPolicy.ALL_UNAUTHENTICATED);
    assertThat(defaults.inbound().clusterNetworks()).extracting(Object::toString)
        .containsExactly("10.0.0.0/8", "100.64.0.0/10", "172.16.0.0/12", "192.168.0.0/16", "fd00::/8");
    ProxyConfig denying = ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_INBOUND_DEFAULT_POLICY", "deny",
        "LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS", "10.42.0.0/16, 10.43.0.0/16"));
    assertThat(denying.inbound().defaultPolicy()).isEqualTo(io.weft.protocol.policy.DefaultPolicy.DENY);
    assertThat(denying.inbound().clusterNetworks()).extracting(Object::toString).containsExactly("10.42.0.0/16", "10.43.0.0/16");
    // Fail closed: a policy or network that cannot be read stops the proxy rather than guessing.
    assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_INBOUND_DEFAULT_POLICY", "allow-all")))
        .hasMessageStartingWith("LINKERD2_PROXY_INBOUND_DEFAULT_POLICY: 'allow-all' is not a default policy");
    assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS", "10.0.0.0/33")))
        .hasMessage("LINKERD2_PROXY_POLICY_CLUSTER_NETWORKS: '10.0.0.0/33' has a prefix length outside 0-32");
  }

  @Test
  void thePolicyServiceComesWithItsWorkloadAndPorts() {
    assertThat(ProxyConfig.fromEnv(Map.of()).controlPlane().policy()).isEmpty();
    String destination = "linkerd-destination.linkerd.serviceaccount.identity.linkerd.cluster.local";
    ProxyConfig c = ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_POLICY_SVC_ADDR", "linkerd-policy.linkerd.svc.cluster.local.:8090",
        "LINKERD2_PROXY_POLICY_SVC_NAME", destination,
        "LINKERD2_PROXY_POLICY_WORKLOAD", "{\"ns\":\"emojivoto\", \"pod\":\"web-1\"}", "LINKERD2_PROXY_INBOUND_PORTS", "8080,9090"));
    ProxyConfig.PolicyService policy = c.controlPlane().policy().orElseThrow();
    assertThat(policy.name()).contains(destination);
    assertThat(policy.address().getPort()).isEqualTo(8090);
    assertThat(policy.workload()).contains("web-1");
    assertThat(policy.ports().stream().boxed().toList()).containsExactly(8080, 9090);
    assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_POLICY_SVC_ADDR", "127.0.0.1:8090")))
        .hasMessageContaining("LINKERD2_PROXY_POLICY_WORKLOAD").hasMessageContaining("the workload is missing");
    assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_POLICY_SVC_ADDR", "10.0.0.5:8090",
        "LINKERD2_PROXY_POLICY_WORKLOAD", "{\"ns\":\"emojivoto\", \"pod\":\"web-1\"}")))
        .hasMessageContaining("LINKERD2_PROXY_POLICY_SVC_NAME must be set").hasMessageContaining("10.0.0.5 is not a loopback address");
  }

  @Test
  void controlStreamLimitsAreLinkerdsReceiveLimits() {
    ProxyConfig c = ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_CONTROL_STREAM_IDLE_TIMEOUT", "90s",
        "LINKERD2_PROXY_CONTROL_STREAM_LIFETIME", "30m"));
    assertThat(c.controlPlane().stream()).isEqualTo(new ProxyConfig.ControlStream(Duration.ofSeconds(3), Duration.ofSeconds(90),
        Duration.ofMinutes(30)));
  }

  @Test
  void badValuesNameTheVariableAndTheProblem() {
    assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT", "10 seconds")))
        .hasMessage("LINKERD2_PROXY_INBOUND_CONNECT_TIMEOUT: '10 seconds' is not a duration like 100ms, 10s or 5m");
    assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", "4140")))
        .hasMessageContaining("LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR: '4140' is not an address");
    assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_INBOUND_PORTS_DISABLE_PROTOCOL_DETECTION", "25,abc")))
        .hasMessageContaining("'abc' is not a port");
    assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_SHUTDOWN_ENDPOINT_ENABLED", "yes")))
        .hasMessageContaining("'yes' is not true or false");
    assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_DESTINATION_SVC_ADDR", "10.0.0.1:8086")))
        .hasMessageContaining("LINKERD2_PROXY_DESTINATION_SVC_NAME must be set");
    // On loopback the name may be omitted, as with Linkerd.
    assertThat(ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_DESTINATION_SVC_ADDR", "127.0.0.1:8086")).controlPlane().destinationName()).isEmpty();
  }

  @Test
  void identityIsReadFromLinkerdsVariablesAndAPartialSetSaysWhatIsMissing() {
    String anchors = io.weft.protocol.identity.Pem.encode(List.of(io.weft.proxy.TestIdentities.newPki().anchor().certificate()));
    ProxyConfig c = ProxyConfig.fromEnv(Map.of(
        "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS", anchors,
        "LINKERD2_PROXY_IDENTITY_LOCAL_NAME", "web.emojivoto.serviceaccount.identity.linkerd.cluster.local",
        "LINKERD2_PROXY_IDENTITY_TOKEN_FILE", "/var/run/secrets/tokens/linkerd-identity-token",
        "LINKERD2_PROXY_IDENTITY_DIR", "/var/run/linkerd/identity/end-entity",
        "LINKERD2_PROXY_IDENTITY_SVC_ADDR", "linkerd-identity-headless.linkerd.svc.cluster.local.:8080",
        "LINKERD2_PROXY_IDENTITY_SVC_NAME", "linkerd-identity.linkerd.serviceaccount.identity.linkerd.cluster.local"));
    var identity = c.identity().orElseThrow();
    assertThat(identity.localName()).isEqualTo("web.emojivoto.serviceaccount.identity.linkerd.cluster.local");
    assertThat(identity.minRefresh()).isEqualTo(Duration.ofSeconds(10));
    assertThat(identity.maxRefresh()).isEqualTo(Duration.ofHours(24));
    assertThat(identity.serviceAddress().getPort()).isEqualTo(8080);
    assertThat(identity.trustAnchors().anchors()).hasSize(1);

    assertThat(ProxyConfig.fromEnv(Map.of()).identity()).isEmpty();
    assertThat(ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_IDENTITY_DISABLED", "disabled",
        "LINKERD2_PROXY_IDENTITY_LOCAL_NAME", "x")).identity()).isEmpty();
    assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of("LINKERD2_PROXY_IDENTITY_LOCAL_NAME", "x")))
        .isInstanceOf(ProxyConfigException.class)
        .hasMessage("LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS, LINKERD2_PROXY_IDENTITY_TOKEN_FILE, LINKERD2_PROXY_IDENTITY_SVC_ADDR "
            + "are required for identity (or set LINKERD2_PROXY_IDENTITY_DISABLED)");
    assertThatThrownBy(() -> ProxyConfig.fromEnv(Map.of(
        "LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS", "-----BEGIN CERTIFICATE-----\nnot base64\n-----END CERTIFICATE-----\n",
        "LINKERD2_PROXY_IDENTITY_LOCAL_NAME", "x", "LINKERD2_PROXY_IDENTITY_TOKEN_FILE", "/t",
        "LINKERD2_PROXY_IDENTITY_SVC_ADDR", "127.0.0.1:8080")))
        .isInstanceOf(ProxyConfigException.class).hasMessageStartingWith("LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS: ");
  }
}
