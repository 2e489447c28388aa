package io.weft.k8s;

import io.fabric8.kubernetes.client.KubernetesClient;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/** A kubeconfig naming fabric8's mock API server, for code under test that reads one as a user's would be read. */
public final class MockKubeconfig {
  private MockKubeconfig() {}

  /** Writes {@code file}: one context, pointing at the mock server {@code client} talks to. */
  public static Path write(Path file, KubernetesClient client) throws IOException {
    return Files.writeString(file, """
        apiVersion: v1
        kind: Config
        clusters: [{name: mock, cluster: {server: "%s", insecure-skip-tls-verify: true}}]
        users: [{name: tester, user: {token: secret}}]
        contexts: [{name: mock, context: {cluster: mock, user: tester}}]
        current-context: mock
        """.formatted(client.getConfiguration().getMasterUrl()));
  }
}
