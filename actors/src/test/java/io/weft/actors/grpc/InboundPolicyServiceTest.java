package io.weft.actors.grpc;

import io.linkerd.proxy.inbound.InboundServerPoliciesClient;
import io.linkerd.proxy.inbound.PortSpec;
import io.linkerd.proxy.inbound.Server;
import io.weft.actors.ControlPlane;
import io.weft.actors.ControlPlaneSettings;
import io.weft.actors.TestConfigs;
import io.weft.k8s.local.LocalClusterBackend;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

/**
 * {@code InboundServerPolicies} on a real control plane over a manifest directory: a pod port's
 * policy is its namespace's default, then its Server's (admitting nobody), then what the
 * AuthorizationPolicy applied to it admits — each change streamed to the open WatchPort.
 */
class InboundPolicyServiceTest {
  private static final Duration PATIENCE = Duration.ofSeconds(30);
  private static final String WORKLOAD = "{\"ns\":\"emojivoto\",\"pod\":\"web-0\"}";

  @TempDir Path manifests;
  @TempDir Path eventLog;
  private ControlPlane controlPlane;
  private InboundServerPoliciesClient client;

  @BeforeEach
  void start() throws IOException {
    Files.writeString(manifests.resolve("emojivoto.yaml"), """
        apiVersion: v1
        kind: Namespace
        metadata: {name: emojivoto, annotations: {config.linkerd.io/default-inbound-policy: cluster-authenticated}}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web-0, namespace: emojivoto, labels: {app: web-svc}}
        spec: {serviceAccountName: web, containers: [{name: web, ports: [{name: http, containerPort: 8080}]}]}
        status: {podIP: 127.0.0.1, phase: Running, conditions: [{type: Ready, status: "True"}]}
        """);
    var config = TestConfigs.node(eventLog, true);
    controlPlane = ControlPlane.start(config, new LocalClusterBackend(manifests, ControlPlaneSettings.from(config).localCluster()),
        Optional.empty());
    client = InboundServerPoliciesClient.create(GrpcClientSettings.connectToServiceAt("127.0.0.1", controlPlane.destinationPort(),
        controlPlane.system()).withTls(false), controlPlane.system());
  }

  @AfterEach
  void stop() {
    client.close();
    controlPlane.close();
  }

  @Test
  void aPortsPolicyFollowsItsServerAndPolicies() throws Exception {
    ConcurrentLinkedDeque<Server> received = new ConcurrentLinkedDeque<>();
    client.watchPort(PortSpec.newBuilder().setWorkload(WORKLOAD).setPort(8080).build())
        .runWith(Sink.foreach(received::add), controlPlane.system());
    await().atMost(PATIENCE).until(() -> !received.isEmpty());
    assertThat(received.getLast().getLabelsMap()).as("the namespace's default").containsEntry("kind", "default")
        .containsEntry("name", "cluster-authenticated");

    Files.writeString(manifests.resolve("server.yaml"), """
        apiVersion: policy.linkerd.io/v1beta3
        kind: Server
        metadata: {name: web-http, namespace: emojivoto}
        spec: {podSelector: {matchLabels: {app: web-svc}}, port: http, proxyProtocol: HTTP/1}
        """);
    await().atMost(PATIENCE).until(() -> received.getLast().getLabelsMap().getOrDefault("kind", "").equals("server"));
    assertThat(received.getLast().getAuthorizationsList()).as("a Server alone admits nobody").isEmpty();

    Files.writeString(manifests.resolve("policy.yaml"), """
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: web-from-vote-bot, namespace: emojivoto}
        spec:
          targetRef: {group: policy.linkerd.io, kind: Server, name: web-http}
          requiredAuthenticationRefs: [{kind: ServiceAccount, name: default}]
        """);
    await().atMost(PATIENCE).until(() -> received.getLast().getAuthorizationsCount() == 1);
    assertThat(received.getLast().getAuthorizations(0).getAuthentication().getMeshTLS().getIdentities().getIdentities(0).getName())
        .isEqualTo("default.emojivoto.serviceaccount.identity.linkerd.cluster.local");

    Server now = client.getPort(PortSpec.newBuilder().setWorkload(WORKLOAD).setPort(8080).build()).toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
    assertThat(now).isEqualTo(received.getLast());
  }

  @Test
  void unknownPodsAndUnreadableWorkloadsAreRefused() {
    assertThatThrownBy(() -> client.getPort(PortSpec.newBuilder().setWorkload("{\"ns\":\"emojivoto\",\"pod\":\"nope\"}").setPort(80)
        .build()).toCompletableFuture().join()).isInstanceOf(CompletionException.class).hasMessageContaining("NOT_FOUND");
    assertThatThrownBy(() -> client.getPort(PortSpec.newBuilder().setWorkload("web-0").setPort(80).build()).toCompletableFuture()
        .join()).isInstanceOf(CompletionException.class).hasMessageContaining("INVALID_ARGUMENT");
  }
}
