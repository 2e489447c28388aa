package io.weft.proxy;

import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.weft.actors.ControlPlane;
import io.weft.protocol.identity.Pem;
import io.weft.proxy.config.ProxyConfig;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import io.weft.proxy.identity.ProxyIdentity;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Pods meshed as a cluster runs them, on this machine: a control plane reading a local-cluster
 * manifest directory, and for each pod the proxy program ({@link ProxyRuntime}) on the pod's own
 * loopback address with the environment Linkerd's injector (and viz's tap injector, naming the
 * tap service) would give it, certified by that control plane.
 */
public final class RuntimeMesh implements AutoCloseable {
  /** The tap service's identity, which every proxy here serves tap to. */
  public static final String TAP_ID = TestIdentities.name("tap", "linkerd-viz");
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(30);

  /** A pod to run a proxy for, as its manifest declares it. */
  public record Pod(String namespace, String name, String serviceAccount, String ip) {}

  private final TestIdentities identities;
  private final ControlPlane controlPlane;
  private final int destinationPort;
  private final Map<String, ProxyRuntime> proxies;
  private final List<ActorSystem<?>> clientSystems = new ArrayList<>();

  private RuntimeMesh(TestIdentities identities, ControlPlane controlPlane, int destinationPort, Map<String, ProxyRuntime> proxies) {
    this.identities = identities;
    this.controlPlane = controlPlane;
    this.destinationPort = destinationPort;
    this.proxies = proxies;
  }

  /**
   * Writes {@code manifests} (YAML) into {@code directory}, starts the control plane on it and a
   * ready proxy for each of {@code pods}; {@code proxySettings}: extra settings of every proxy.
   */
  public static RuntimeMesh start(Path directory, String manifests, List<Pod> pods, String... proxySettings) throws IOException {
    TestIdentities identities = TestIdentities.create();
    Files.writeString(directory.resolve("mesh.yaml"), manifests);
    int destination = LocalMesh.freePort();
    ControlPlane controlPlane = LocalMesh.controlPlane(directory, destination, identities.controlPlaneSettings());
    Map<String, ProxyRuntime> proxies = new LinkedHashMap<>();
    RuntimeMesh mesh = new RuntimeMesh(identities, controlPlane, destination, proxies);
    try {
      Config settings = ConfigFactory.parseString(String.join("\n", proxySettings)).withFallback(ConfigFactory.load());
      for (Pod pod : pods) {
        proxies.put(pod.name(), proxy(pod, identities, destination, settings));
      }
      for (ProxyRuntime proxy : proxies.values()) {
        proxy.ready().toCompletableFuture().get(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
      return mesh;
    } catch (Exception e) {
      mesh.close();
      throw new IllegalStateException("the mesh did not start", e);
    }
  }

  /** A port of the web Service: its name, the Service's port and the pod's. */
  public record ServicePort(String name, int port, int targetPort) {}

  /**
   * The mesh most tests need: the injected {@code shop} namespace, a {@code web} Service with
   * {@code ports} whose pod {@code web-0} runs at {@code webIp}, and a pod {@code client-0} at
   * {@code clientIp}, each with its proxy.
   */
  public static RuntimeMesh startShop(Path directory, String webIp, String clientIp, List<ServicePort> ports,
                                      String... proxySettings) throws IOException {
    String servicePorts = ports.stream().map(p -> "{name: %s, port: %d, targetPort: %d}".formatted(p.name(), p.port(), p.targetPort()))
        .collect(java.util.stream.Collectors.joining(", "));
    String containerPorts = ports.stream().map(p -> "{name: %s, containerPort: %d}".formatted(p.name(), p.targetPort()))
        .collect(java.util.stream.Collectors.joining(", "));
    return start(directory, """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop, annotations: {linkerd.io/inject: enabled}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: web, namespace: shop}
        spec:
          selector: {app: web}
          ports: [%3$s]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web-0, namespace: shop, labels: {app: web}}
        spec: {serviceAccountName: web, containers: [{name: web, ports: [%4$s]}]}
        status: {podIP: %1$s, phase: Running, conditions: [{type: Ready, status: "True"}]}
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: client-0, namespace: shop, labels: {app: client}}
        spec: {serviceAccountName: client, containers: [{name: client}]}
        status: {podIP: %2$s, phase: Running, conditions: [{type: Ready, status: "True"}]}
        """.formatted(webIp, clientIp, servicePorts, containerPorts),
        List.of(new Pod("shop", "web-0", "web", webIp), new Pod("shop", "client-0", "client", clientIp)), proxySettings);
  }

  private static ProxyRuntime proxy(Pod pod, TestIdentities identities, int destination, Config settings) {
    String ip = pod.ip();
    Map<String, String> env = new HashMap<>(Map.of(
        "LINKERD2_PROXY_INBOUND_LISTEN_ADDR", ip + ":4143",
        "LINKERD2_PROXY_OUTBOUND_LISTEN_ADDR", ip + ":4140",
        "LINKERD2_PROXY_ADMIN_LISTEN_ADDR", ip + ":4191",
        "LINKERD2_PROXY_CONTROL_LISTEN_ADDR", ip + ":4190",
        "LINKERD2_PROXY_DESTINATION_SVC_ADDR", "127.0.0.1:" + destination,
        "LINKERD2_PROXY_DESTINATION_CONTEXT",
        "{\"ns\":\"" + pod.namespace() + "\",\"nodeName\":\"local\",\"pod\":\"" + pod.name() + "\"}",
        "LINKERD2_PROXY_TAP_SVC_NAME", TAP_ID));
    env.put("LINKERD2_PROXY_IDENTITY_TRUST_ANCHORS", Pem.encode(identities.anchors().anchors()));
    env.put("LINKERD2_PROXY_IDENTITY_LOCAL_NAME", TestIdentities.name(pod.serviceAccount(), pod.namespace()));
    env.put("LINKERD2_PROXY_IDENTITY_TOKEN_FILE", identities.tokenFile(pod.serviceAccount(), pod.namespace()).toString());
    env.put("LINKERD2_PROXY_IDENTITY_SVC_ADDR", "127.0.0.1:" + destination);
    return ProxyRuntime.start(ProxyConfig.fromEnv(env), env, settings);
  }

  public ProxyRuntime proxy(String pod) {
    return proxies.get(pod);
  }

  public TestIdentities identities() {
    return identities;
  }

  public ControlPlane controlPlane() {
    return controlPlane;
  }

  /** A certified identity and the actor system it lives in (one identity per system). */
  public record Certified(ActorSystem<Void> system, ProxyIdentity identity) {
    public io.weft.proxy.identity.MeshTls tls() {
      return identity.tls();
    }
  }

  /**
   * A certified identity for {@code serviceAccount.namespace} in an actor system of its own with
   * {@code systemSettings}, closed with the mesh: e.g. the tap service's.
   */
  public Certified certified(String serviceAccount, String namespace, Config systemSettings) throws Exception {
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), serviceAccount + "-" + namespace,
        systemSettings.withFallback(ConfigFactory.load()));
    clientSystems.add(system);
    ProxyIdentity identity = identities.start(system, serviceAccount, namespace, destinationPort,
        new io.weft.proxy.metrics.ProxyMetrics().identity());
    identity.certified().toCompletableFuture().get(READY_TIMEOUT.toSeconds(), TimeUnit.SECONDS);
    return new Certified(system, identity);
  }

  @Override
  public void close() {
    clientSystems.forEach(ActorSystem::terminate);
    for (ProxyRuntime proxy : proxies.values()) {
      try {
        proxy.close();
      } catch (RuntimeException e) {
        // closing the rest matters more
      }
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }
}
