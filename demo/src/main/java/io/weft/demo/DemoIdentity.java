package io.weft.demo;

import io.weft.protocol.identity.MeshPki;
import io.weft.k8s.identity.LocalTokens;
import io.weft.k8s.model.PodResource;
import io.weft.protocol.identity.MeshIdentity;
import io.weft.protocol.identity.Pem;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Identity for a mesh on this machine: a trust anchor and issuer written to a directory (what the
 * control plane reads), the local cluster's token key, and for each pod the identity environment
 * Linkerd's injector would give its proxy (anchors, name, a token file minted for its service account).
 */
public final class DemoIdentity {
  private static final Duration ANCHOR_VALIDITY = Duration.ofDays(365);
  private static final Duration ISSUER_VALIDITY = Duration.ofDays(30);
  /** Linkerd viz's tap service account and namespace: proxies serve tap to its identity only. */
  private static final String TAP_SERVICE_ACCOUNT = "tap";
  private static final String VIZ_NAMESPACE = "linkerd-viz";
  private static final Duration TAP_MIN_REFRESH = Duration.ofMillis(200);
  private static final Duration TAP_MAX_REFRESH = Duration.ofHours(24);

  private final Path directory;
  private final MeshPki pki;
  private final String controlPlaneNamespace;
  private final String trustDomain;
  private final Path tokenKey;

  private DemoIdentity(Path directory, MeshPki pki, String controlPlaneNamespace, String trustDomain) {
    this.directory = directory;
    this.pki = pki;
    this.controlPlaneNamespace = controlPlaneNamespace;
    this.trustDomain = trustDomain;
    this.tokenKey = directory.resolve("local-token.key");
  }

  /** Makes a new anchor and issuer in {@code directory}. */
  public static DemoIdentity create(Path directory, String controlPlaneNamespace, String trustDomain) throws IOException {
    MeshPki pki = MeshPki.create(controlPlaneNamespace, trustDomain, Instant.now(), ANCHOR_VALIDITY, ISSUER_VALIDITY);
    pki.write(directory);
    return new DemoIdentity(directory, pki, controlPlaneNamespace, trustDomain);
  }

  /** Control-plane settings (HOCON) that issue this mesh's certificates and accept its tokens. */
  public String controlPlaneSettings() {
    var files = new io.weft.protocol.identity.IssuerFiles(directory.resolve(MeshPki.ANCHOR_CERTIFICATE),
        directory.resolve(MeshPki.ISSUER_CERTIFICATE), directory.resolve(MeshPki.ISSUER_KEY));
    return String.join("\n", files.settings()) + "\nweft.local-cluster.token-key-file = \"" + tokenKey + "\"";
  }

  /** The tap service's identity (viz's), which every proxy serves tap to. */
  public String tapServiceName() {
    return new MeshIdentity(TAP_SERVICE_ACCOUNT, VIZ_NAMESPACE, controlPlaneNamespace, trustDomain).name();
  }

  /** The tap service's identity settings, certified by the identity service at {@code address}. */
  public io.weft.proxy.identity.ProxyIdentity.Config tapServiceIdentity(java.net.InetSocketAddress address) throws IOException {
    Path token = token(VIZ_NAMESPACE, TAP_SERVICE_ACCOUNT, TAP_SERVICE_ACCOUNT);
    return new io.weft.proxy.identity.ProxyIdentity.Config(tapServiceName(), new io.weft.protocol.identity.TrustBundle(
        List.of(pki.anchor().certificate())), token, java.util.Optional.empty(), TAP_MIN_REFRESH, TAP_MAX_REFRESH, address,
        java.util.Optional.empty());
  }

  private Path token(String namespace, String name, String serviceAccount) throws IOException {
    Path token = directory.resolve("tokens").resolve(namespace + "." + name + ".token");
    Files.createDirectories(token.getParent());
    Files.writeString(token, LocalTokens.fromKeyFile(tokenKey).mint(namespace, serviceAccount));
    return token;
  }

  /** The {@code LINKERD2_PROXY_IDENTITY_*} environment of {@code pod}'s proxy, with the identity service at {@code address}. */
  public Map<String, String> proxyEnvironment(PodResource pod, String address) throws IOException {
    String name = new MeshIdentity(pod.serviceAccount(), pod.meta().namespace(), controlPlaneNamespace, trustDomain).name();
    Path token = token(pod.meta().namespace(), pod.meta().name(), pod.serviceAccount());
    Map<String, String> env = new LinkedHashMap<>();
    env.put("LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS", Pem.encode(List.of(pki.anchor().certificate())));
    env.put("LINKERD2_PROXY_IDENTITY_LOCAL_NAME", name);
    env.put("LINKERD2_PROXY_IDENTITY_TOKEN_FILE", token.toString());
    env.put("LINKERD2_PROXY_IDENTITY_SVC_ADDR", address);
    env.put("LINKERD2_PROXY_TAP_SVC_NAME", tapServiceName());
    return env;
  }
}
