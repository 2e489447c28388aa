package io.weft.proxy.inbound;

import io.weft.proxy.GrpcInterop;
import io.weft.proxy.PolicyMesh;
import io.weft.proxy.tcp.RedirectRules;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The book's Server-based policy for emojivoto (seed 001, chapter 8), step by step on the local
 * cluster, with the emoji service's proxy enforcing it: the emoji service is grpc-java's interop
 * server behind its proxy, and its callers — web, vote-bot (the namespace's default ServiceAccount)
 * and Linkerd Viz's Prometheus — make real gRPC calls (grpc-java's interop client) through their
 * own meshed proxies. Each step's calls succeed or get {@code PERMISSION_DENIED} as the book says.
 */
class EmojivotoServerPolicyTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final String AUTHORITY = "emoji-svc.emojivoto.svc.cluster.local:8080";

  @TempDir Path manifests;
  private Process emoji;
  private PolicyMesh mesh;

  @BeforeEach
  void start() throws Exception {
    int port = RedirectRules.freePort();
    emoji = GrpcInterop.server(port, manifests.resolve("emoji.log"));
    // Example 8-4: the cluster's default is all-authenticated.
    mesh = PolicyMesh.start(manifests, "emojivoto", "emoji-svc", "grpc", 8080, port, "/healthz",
        List.of("weft.proxy-injector.default-inbound-policy = all-authenticated"), "web", "default", "prometheus.linkerd-viz");
  }

  @AfterEach
  void stop() {
    if (emoji != null) {
      emoji.destroyForcibly();
    }
    if (mesh != null) {
      mesh.close();
    }
  }

  /** {@code account}'s application calling emoji over gRPC: "ok", "PERMISSION_DENIED", or what else went wrong. */
  private String call(String account) throws Exception {
    Process client = GrpcInterop.client(mesh.client(account).outboundPort(), AUTHORITY, "empty_unary").redirectErrorStream(true).start();
    String output = new String(client.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(client.waitFor(60, TimeUnit.SECONDS)).isTrue();
    if (client.exitValue() == 0 && output.contains("Test completed.")) {
      return "ok";
    }
    return output.contains("PERMISSION_DENIED") ? "PERMISSION_DENIED" : output;
  }

  private void apply(String name, String yaml) throws IOException {
    Files.writeString(manifests.resolve(name + ".yaml"), yaml);
  }

  @Test
  void theChapterEightSequence() throws Exception {
    // Example 8-4: all-authenticated lets every meshed workload in.
    await().atMost(PATIENCE).until(() -> call("web").equals("ok"));
    assertThat(call("default")).isEqualTo("ok");

    // Example 8-5: the namespace flips to deny, and the web frontend loses its backends.
    apply("emoji-svc", Files.readString(manifests.resolve("emoji-svc.yaml")).replace(
        "metadata: {name: emojivoto, annotations: {linkerd.io/inject: enabled}}",
        "metadata: {name: emojivoto, annotations: {linkerd.io/inject: enabled, config.linkerd.io/default-inbound-policy: deny}}"));
    await().atMost(PATIENCE).until(() -> call("web").equals("PERMISSION_DENIED"));

    // Example 8-6: Servers, and namespace isolation by identity.
    apply("namespace-isolation", """
        apiVersion: policy.linkerd.io/v1beta1
        kind: Server
        metadata:
          namespace: emojivoto
          name: linkerd-admin
        spec:
          podSelector:
            matchLabels: {}
          port: linkerd-admin
          proxyProtocol: HTTP/2
        ---
        apiVersion: policy.linkerd.io/v1beta1
        kind: Server
        metadata:
          namespace: emojivoto
          name: emoji-grpc
          labels:
            app.kubernetes.io/part-of: emojivoto
            app.kubernetes.io/name: emoji
            app.kubernetes.io/version: v11
            app: emoji-svc
            emojivoto/api: internal-grpc
        spec:
          podSelector:
            matchLabels:
              app: emoji-svc
          port: grpc
          proxyProtocol: gRPC
        ---
        apiVersion: policy.linkerd.io/v1beta1
        kind: Server
        metadata:
          namespace: emojivoto
          name: voting-grpc
          labels:
            app: voting-svc
            emojivoto/api: internal-grpc
        spec:
          podSelector:
            matchLabels:
              app: voting-svc
          port: grpc
          proxyProtocol: gRPC
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata:
          name: emojivoto-accounts
          namespace: emojivoto
        spec:
          identities:
            - "*.emojivoto.serviceaccount.identity.linkerd.cluster.local"
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata:
          name: emojivoto-only
          namespace: emojivoto
          labels:
            app.kubernetes.io/part-of: emojivoto
            project: emojivoto
        spec:
          targetRef:
            kind: Namespace
            name: emojivoto
          requiredAuthenticationRefs:
            - name: emojivoto-accounts
              kind: MeshTLSAuthentication
              group: policy.linkerd.io
        """);
    await().atMost(PATIENCE).until(() -> call("web").equals("ok"));
    assertThat(call("default")).as("vote-bot's identity is of the namespace too").isEqualTo("ok");
    assertThat(call("prometheus.linkerd-viz")).as("nothing from outside the namespace").isEqualTo("PERMISSION_DENIED");

    // Example 8-7: let Viz in.
    apply("allow-viz", """
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata:
          name: linkerd-viz
          namespace: emojivoto
        spec:
          identities:
            - "tap.linkerd-viz.serviceaccount.identity.linkerd.cluster.local"
            - "prometheus.linkerd-viz.serviceaccount.identity.linkerd.cluster.local"
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata:
          name: allow-viz
          namespace: emojivoto
        spec:
          targetRef:
            kind: Namespace
            name: emojivoto
          requiredAuthenticationRefs:
            - name: linkerd-viz
              kind: MeshTLSAuthentication
              group: policy.linkerd.io
        """);
    await().atMost(PATIENCE).until(() -> call("prometheus.linkerd-viz").equals("ok"));

    // Example 8-9: by port and identity — new policies first, then the namespace-wide one deleted.
    apply("by-identity", """
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata:
          name: default
          namespace: emojivoto
        spec:
          identities:
          - 'default.emojivoto.serviceaccount.identity.linkerd.cluster.local'
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata:
          name: web
          namespace: emojivoto
        spec:
          identities:
          - 'web.emojivoto.serviceaccount.identity.linkerd.cluster.local'
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata:
          labels:
            app.kubernetes.io/part-of: emojivoto
            project: emojivoto
          name: allow-default-to-web
          namespace: emojivoto
        spec:
          requiredAuthenticationRefs:
          - group: policy.linkerd.io
            kind: MeshTLSAuthentication
            name: default
          targetRef:
            group: policy.linkerd.io
            kind: Server
            name: web-http
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata:
          labels:
            app.kubernetes.io/part-of: emojivoto
            project: emojivoto
          name: allow-web-to-voting
          namespace: emojivoto
        spec:
          requiredAuthenticationRefs:
          - group: policy.linkerd.io
            kind: MeshTLSAuthentication
            name: web
          targetRef:
            group: policy.linkerd.io
            kind: Server
            name: voting-grpc
        ---
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata:
          labels:
            app.kubernetes.io/part-of: emojivoto
            project: emojivoto
          name: allow-web-to-emoji
          namespace: emojivoto
        spec:
          requiredAuthenticationRefs:
          - group: policy.linkerd.io
            kind: MeshTLSAuthentication
            name: web
          targetRef:
            group: policy.linkerd.io
            kind: Server
            name: emoji-grpc
        """);
    // kubectl delete authorizationpolicies.policy.linkerd.io emojivoto-only -n emojivoto
    apply("namespace-isolation", Files.readString(manifests.resolve("namespace-isolation.yaml"))
        .replaceAll("(?s)---\\napiVersion: policy.linkerd.io/v1alpha1\\nkind: AuthorizationPolicy\\nmetadata:\\n  name: emojivoto-only.*", ""));
    await().atMost(PATIENCE).until(() -> call("default").equals("PERMISSION_DENIED"));
    assertThat(call("web")).as("web still reaches emoji, by its own policy").isEqualTo("ok");
    assertThat(call("prometheus.linkerd-viz")).isEqualTo("ok");
    assertThat(mesh.serverMetrics().scrape()).containsPattern("inbound_http_authz_allow_total\\{authz_group=\"policy.linkerd.io\","
        + "authz_kind=\"authorizationpolicy\",authz_name=\"allow-web-to-emoji\",client_id=\"web.emojivoto.serviceaccount.identity"
        + ".linkerd.cluster.local\",route_group=\"\",route_kind=\"default\",route_name=\"default\",srv_group=\"policy.linkerd.io\","
        + "srv_kind=\"server\",srv_name=\"emoji-grpc\"");
  }
}
