package io.weft.proxy;

import io.weft.actors.ControlPlane;
import io.weft.protocol.net.Cidr;
import io.weft.protocol.policy.DefaultPolicy;
import io.weft.proxy.config.ProxyConfig;
import io.weft.proxy.control.ControlPlaneClient;
import io.weft.proxy.discovery.Discovery;
import io.weft.proxy.discovery.Following;
import io.weft.proxy.identity.ProxyIdentity;
import io.weft.proxy.metrics.ProxyMetrics;
import io.weft.proxy.policy.InboundPolicies;
import io.weft.proxy.policy.InboundPolicy;
import org.apache.pekko.actor.typed.ActorSystem;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;

/**
 * A local cluster for policy scenarios: a control plane over a manifest directory, one server pod
 * ({@code app} in {@code namespace}, its container port named {@code portName}, the kubelet probing
 * {@code probePath} on it) whose inbound proxy follows the control plane's policies for that port as
 * the proxy program does, and a meshed client per ServiceAccount ({@code name}, of the server's
 * namespace, or {@code name.namespace}), each an outbound proxy certified with that account's
 * identity. Requests go to the server's Service by name.
 */
public final class PolicyMesh implements AutoCloseable {
  private static final Duration FAILFAST = Duration.ofSeconds(3);
  private static final Duration CERTIFY_TIMEOUT = Duration.ofSeconds(30);
  private static final Duration POLICY_MIN_BACKOFF = Duration.ofMillis(100);
  private static final Duration POLICY_MAX_BACKOFF = Duration.ofSeconds(1);

  /** A meshed client: the outbound port its application sends to. */
  public record Client(String serviceAccount, int outboundPort) {}

  private final ControlPlane controlPlane;
  private final List<ActorSystem<Void>> systems;
  private final List<Discovery> discoveries;
  private final ProxyMetrics serverMetrics;
  private final int inboundPort;
  private final Map<String, Client> clients;
  private final TestIdentities identities;
  private final int destinationPort;

  private PolicyMesh(ControlPlane controlPlane, List<ActorSystem<Void>> systems, List<Discovery> discoveries, ProxyMetrics serverMetrics,
                     int inboundPort, Map<String, Client> clients, TestIdentities identities, int destinationPort) {
    this.identities = identities;
    this.destinationPort = destinationPort;
    this.controlPlane = controlPlane;
    this.systems = systems;
    this.discoveries = discoveries;
    this.serverMetrics = serverMetrics;
    this.inboundPort = inboundPort;
    this.clients = clients;
  }

  /**
   * Starts the mesh: the server pod {@code app}-0 of the Service {@code app} (port {@code servicePort}
   * to the container port {@code portName}, {@code appPort} on loopback) and a client for each of
   * {@code clientAccounts}.
   */
  public static PolicyMesh start(Path manifests, String namespace, String app, String portName, int servicePort, int appPort,
                                 String probePath, String... clientAccounts) throws IOException {
    return start(manifests, namespace, app, portName, servicePort, appPort, probePath, List.of(), clientAccounts);
  }

  /** As above, the control plane with extra {@code controlPlaneSettings} (the install's values). */
  public static PolicyMesh start(Path manifests, String namespace, String app, String portName, int servicePort, int appPort,
                                 String probePath, List<String> controlPlaneSettings, String... clientAccounts) throws IOException {
    return start(manifests, namespace, app, portName, servicePort, appPort, probePath, controlPlaneSettings, List.of(), clientAccounts);
  }

  /** As above, the pod serving {@code morePorts} too (each named {@code port-N}), their policies followed as well. */
  public static PolicyMesh start(Path manifests, String namespace, String app, String portName, int servicePort, int appPort,
                                 String probePath, List<String> controlPlaneSettings, List<Integer> morePorts, String... clientAccounts)
      throws IOException {
    Set<Integer> followed = new java.util.HashSet<>(morePorts);
    followed.add(appPort);
    String extraPorts = morePorts.stream().map(p -> ", {name: port-" + p + ", containerPort: " + p + "}").reduce("", String::concat);
    TestIdentities identities = TestIdentities.create();
    int destinationPort = LocalMesh.freePort();
    List<ActorSystem<Void>> systems = new ArrayList<>();
    ProxyMetrics serverMetrics = new ProxyMetrics();
    ActorSystem<Void> serverSystem = LocalMesh.proxySystem();
    systems.add(serverSystem);
    ProxyIdentity serverIdentity = identities.start(serverSystem, app, namespace, destinationPort, serverMetrics.identity());
    InboundPolicy policy = new InboundPolicy(DefaultPolicy.ALL_UNAUTHENTICATED,
        Arrays.stream(ProxyConfig.DEFAULT_CLUSTER_NETWORKS.split(",")).map(Cidr::parse).toList())
        .withPorts(new InboundPolicies(serverSystem,
            ControlPlaneClient.inboundPolicies(serverSystem, new InetSocketAddress("127.0.0.1", destinationPort)),
            "{\"ns\":\"" + namespace + "\",\"pod\":\"" + app + "-0\"}", followed,
            new Following.Limits(POLICY_MIN_BACKOFF, POLICY_MAX_BACKOFF, ProxyConfig.fromEnv(Map.of()).controlPlane().stream())));
    int inboundPort = LocalMesh.inboundProxy(serverSystem, serverMetrics, Duration.ofSeconds(10), Set.of(),
            Optional.of(serverIdentity.tls()), policy)
        .bind(new InetSocketAddress("127.0.0.1", 0)).toCompletableFuture().join().localAddress().getPort();
    Files.writeString(manifests.resolve(app + ".yaml"), """
        apiVersion: v1
        kind: Namespace
        metadata: {name: %1$s, annotations: {linkerd.io/inject: enabled}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: %2$s, namespace: %1$s}
        spec:
          selector: {app: %2$s}
          ports: [{name: %3$s, port: %4$d, targetPort: %3$s}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: %2$s-0, namespace: %1$s, labels: {app: %2$s, project: %1$s}}
        spec:
          serviceAccountName: %2$s
          containers:
          - name: %2$s
            ports: [{name: %3$s, containerPort: %5$d}%7$s]
            readinessProbe: {httpGet: {path: %6$s, port: %3$s}}
        status:
          podIP: 127.0.0.1
          phase: Running
          conditions: [{type: Ready, status: "True"}]
        """.formatted(namespace, app, portName, servicePort, appPort, probePath, extraPorts));
    List<String> settings = new ArrayList<>(List.of(identities.controlPlaneSettings()));
    settings.addAll(controlPlaneSettings);
    settings.add("weft.discovery.proxy-inbound-port = " + inboundPort);
    ControlPlane controlPlane = LocalMesh.controlPlane(manifests, destinationPort, settings.toArray(String[]::new));
    List<Discovery> discoveries = new ArrayList<>();
    Map<String, Client> clients = new LinkedHashMap<>();
    List<ProxyIdentity> certified = new ArrayList<>(List.of(serverIdentity));
    for (String account : clientAccounts) {
      ActorSystem<Void> system = LocalMesh.proxySystem();
      systems.add(system);
      Discovery discovery = LocalMesh.discovery(system, destinationPort, FAILFAST);
      discoveries.add(discovery);
      ProxyMetrics metrics = new ProxyMetrics();
      String[] name = account.split("\\.", 2);
      ProxyIdentity identity = identities.start(system, name[0], name.length > 1 ? name[1] : namespace, destinationPort, metrics.identity());
      certified.add(identity);
      clients.put(account, new Client(account, LocalMesh.outboundProxy(system, discovery, FAILFAST, metrics, Optional.of(identity.tls()))));
    }
    for (ProxyIdentity identity : certified) {
      identity.certified().toCompletableFuture().orTimeout(CERTIFY_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    }
    return new PolicyMesh(controlPlane, systems, discoveries, serverMetrics, inboundPort, new java.util.concurrent.ConcurrentHashMap<>(clients),
        identities, destinationPort);
  }

  /** The mesh's certificates and tokens. */
  public TestIdentities identities() { return identities; }

  /**
   * Adds a meshed client named {@code name} whose identity is {@code identity} (another issuer's, a
   * peer cluster's), discovering through this mesh's control plane; ready once certified.
   */
  public Client addClient(String name, ProxyIdentity.Config identity) {
    ActorSystem<Void> system = LocalMesh.proxySystem();
    systems.add(system);
    Discovery discovery = LocalMesh.discovery(system, destinationPort, FAILFAST);
    discoveries.add(discovery);
    ProxyMetrics metrics = new ProxyMetrics();
    ProxyIdentity started = ProxyIdentity.start(system, identity, metrics.identity());
    started.certified().toCompletableFuture().orTimeout(CERTIFY_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    Client client = new Client(name, LocalMesh.outboundProxy(system, discovery, FAILFAST, metrics, Optional.of(started.tls())));
    clients.put(name, client);
    return client;
  }

  public Client client(String serviceAccount) {
    return clients.get(serviceAccount);
  }

  /** The server pod's inbound proxy port (where iptables would send connections to the pod). */
  public int inboundPort() { return inboundPort; }

  public ProxyMetrics serverMetrics() { return serverMetrics; }

  @Override
  public void close() {
    discoveries.forEach(Discovery::close);
    systems.forEach(ActorSystem::terminate);
    controlPlane.close();
  }
}
