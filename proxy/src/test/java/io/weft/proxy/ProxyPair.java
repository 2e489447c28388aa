package io.weft.proxy;

import io.weft.actors.ControlPlane;
import io.weft.proxy.discovery.Discovery;
import io.weft.proxy.inbound.InboundProxy;
import io.weft.proxy.metrics.ProxyMetrics;
import org.apache.pekko.actor.typed.ActorSystem;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.IntUnaryOperator;
import io.weft.proxy.identity.ProxyIdentity;

/**
 * A meshed hop on loopback for tests: a control plane that knows one Service in namespace
 * {@code shop} whose single pod is an application listening on 127.0.0.1, that pod's inbound
 * proxy, and a client-side outbound proxy, each certified by the control plane's identity service
 * so that the hop between them is mesh TLS. Clients send to {@link #outboundPort()} naming
 * {@code <service>.shop.svc.cluster.local:<servicePort>}.
 */
public final class ProxyPair implements AutoCloseable {
  private final ControlPlane controlPlane;
  private final ActorSystem<Void> outboundSystem;
  private final ActorSystem<Void> inboundSystem;
  private final Discovery discovery;
  private final ProxyMetrics inboundMetrics;
  private final ProxyMetrics outboundMetrics;
  private final int outboundPort;
  private final int inboundPort;
  private final ProxyIdentity inboundIdentity;
  private final ProxyIdentity outboundIdentity;

  private ProxyPair(ControlPlane controlPlane, ActorSystem<Void> outboundSystem, ActorSystem<Void> inboundSystem,
                    Discovery discovery, ProxyMetrics inboundMetrics, ProxyMetrics outboundMetrics, int outboundPort,
                    int inboundPort, ProxyIdentity inboundIdentity, ProxyIdentity outboundIdentity) {
    this.inboundIdentity = inboundIdentity;
    this.outboundIdentity = outboundIdentity;
    this.controlPlane = controlPlane;
    this.outboundSystem = outboundSystem;
    this.inboundSystem = inboundSystem;
    this.discovery = discovery;
    this.inboundMetrics = inboundMetrics;
    this.outboundMetrics = outboundMetrics;
    this.outboundPort = outboundPort;
    this.inboundPort = inboundPort;
  }

  /** The pod's service account (its manifest names none) and the client proxy's. */
  public static final String SERVER_ID = TestIdentities.name("default", "shop");
  public static final String CLIENT_ID = TestIdentities.name("client", "shop");
  private static final Duration CERTIFY_TIMEOUT = Duration.ofSeconds(30);

  /** A pair with identity: every request between the two proxies travels over mesh TLS. */
  public static ProxyPair start(Path manifests, String service, int servicePort, int appPort, Duration failfast) throws IOException {
    return start(manifests, service, servicePort, appPort, failfast, TestIdentities.create(), port -> port);
  }

  /**
   * {@code advertise}: from the inbound proxy's port, the port the control plane tells clients to use
   * for it (a test may put a relay in between); {@code proxySettings}: Pekko settings of both proxies.
   */
  public static ProxyPair start(Path manifests, String service, int servicePort, int appPort, Duration failfast,
                                TestIdentities identities, IntUnaryOperator advertise, String... proxySettings)
      throws IOException {
    return start(manifests, service, servicePort, appPort, failfast, identities, advertise,
        (system, controlPlanePort) -> io.weft.proxy.policy.InboundPolicy.allowAll(), proxySettings);
  }

  /** A pair with identity whose inbound proxy enforces {@code policy}. */
  public static ProxyPair start(Path manifests, String service, int servicePort, int appPort, Duration failfast,
                                io.weft.proxy.policy.InboundPolicy policy) throws IOException {
    return start(manifests, service, servicePort, appPort, failfast, TestIdentities.create(), port -> port,
        (system, controlPlanePort) -> policy);
  }

  /**
   * A pair whose inbound proxy follows the control plane's policies for {@code policyPorts} of the
   * service's pod, as the proxy program does from its LINKERD2_PROXY_POLICY_* settings; any other
   * port, and a port before its first answer, has Linkerd's default (all-unauthenticated).
   */
  public static ProxyPair followingPolicies(Path manifests, String service, int servicePort, int appPort, Duration failfast,
                                            Set<Integer> policyPorts) throws IOException {
    return start(manifests, service, servicePort, appPort, failfast, TestIdentities.create(), port -> port,
        (system, controlPlanePort) -> new io.weft.proxy.policy.InboundPolicy(io.weft.protocol.policy.DefaultPolicy.ALL_UNAUTHENTICATED,
            java.util.Arrays.stream(io.weft.proxy.config.ProxyConfig.DEFAULT_CLUSTER_NETWORKS.split(","))
                .map(io.weft.protocol.net.Cidr::parse).toList())
            .withPorts(new io.weft.proxy.policy.InboundPolicies(system,
                io.weft.proxy.control.ControlPlaneClient.inboundPolicies(system, new InetSocketAddress("127.0.0.1", controlPlanePort)),
                "{\"ns\":\"shop\",\"pod\":\"" + service + "-0\"}", policyPorts,
                new io.weft.proxy.discovery.Following.Limits(POLICY_MIN_BACKOFF, POLICY_MAX_BACKOFF,
                    io.weft.proxy.config.ProxyConfig.fromEnv(java.util.Map.of()).controlPlane().stream()))));
  }

  /** How soon a test pair's policy streams reconnect. */
  private static final Duration POLICY_MIN_BACKOFF = Duration.ofMillis(100);
  private static final Duration POLICY_MAX_BACKOFF = Duration.ofSeconds(1);

  private static ProxyPair start(Path manifests, String service, int servicePort, int appPort, Duration failfast,
                                 TestIdentities identities, IntUnaryOperator advertise,
                                 java.util.function.BiFunction<ActorSystem<?>, Integer, io.weft.proxy.policy.InboundPolicy> policy,
                                 String... proxySettings) throws IOException {
    int destinationPort = LocalMesh.freePort();
    ProxyMetrics inboundMetrics = new ProxyMetrics();
    ActorSystem<Void> inboundSystem = LocalMesh.proxySystem(proxySettings);
    ProxyIdentity inboundIdentity = identities.start(inboundSystem, "default", "shop", destinationPort, inboundMetrics.identity());
    int inboundPort = LocalMesh.inboundProxy(inboundSystem, inboundMetrics, Duration.ofSeconds(10), Set.of(),
            Optional.of(inboundIdentity.tls()), policy.apply(inboundSystem, destinationPort))
        .bind(new InetSocketAddress("127.0.0.1", 0)).toCompletableFuture().join().localAddress().getPort();
    Files.writeString(manifests.resolve(service + ".yaml"), """
        apiVersion: v1
        kind: Namespace
        metadata: {name: shop, annotations: {linkerd.io/inject: enabled}}
        ---
        apiVersion: v1
        kind: Service
        metadata: {name: %1$s, namespace: shop}
        spec:
          selector: {app: %1$s}
          ports: [{name: app, port: %2$d, targetPort: app}]
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: %1$s-0, namespace: shop, labels: {app: %1$s}}
        spec: {containers: [{name: %1$s, ports: [{name: app, containerPort: %3$d}]}]}
        status:
          podIP: 127.0.0.1
          phase: Running
          conditions: [{type: Ready, status: "True"}]
        """.formatted(service, servicePort, appPort));
    List<String> settings = new ArrayList<>(List.of(identities.controlPlaneSettings()));
    settings.add("weft.discovery.proxy-inbound-port = " + advertise.applyAsInt(inboundPort));
    ControlPlane controlPlane = LocalMesh.controlPlane(manifests, destinationPort, settings.toArray(String[]::new));
    ActorSystem<Void> outboundSystem = LocalMesh.proxySystem(proxySettings);
    Discovery discovery = LocalMesh.discovery(outboundSystem, destinationPort, failfast);
    ProxyMetrics outboundMetrics = new ProxyMetrics();
    ProxyIdentity outboundIdentity = identities.start(outboundSystem, "client", "shop", destinationPort, outboundMetrics.identity());
    int outboundPort = LocalMesh.outboundProxy(outboundSystem, discovery, failfast, outboundMetrics,
        Optional.of(outboundIdentity.tls()));
    // Ready as a proxy would be: both hold their certificates.
    inboundIdentity.certified().toCompletableFuture().orTimeout(CERTIFY_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    outboundIdentity.certified().toCompletableFuture().orTimeout(CERTIFY_TIMEOUT.toSeconds(), TimeUnit.SECONDS).join();
    return new ProxyPair(controlPlane, outboundSystem, inboundSystem, discovery, inboundMetrics, outboundMetrics,
        outboundPort, inboundPort, inboundIdentity, outboundIdentity);
  }

  public ProxyIdentity inboundIdentity() { return inboundIdentity; }

  public ProxyIdentity outboundIdentity() { return outboundIdentity; }

  public ControlPlane controlPlane() { return controlPlane; }

  public int outboundPort() { return outboundPort; }

  public int inboundPort() { return inboundPort; }

  public Discovery discovery() { return discovery; }

  public ProxyMetrics inboundMetrics() { return inboundMetrics; }

  public ProxyMetrics outboundMetrics() { return outboundMetrics; }

  /** Stops the pod's inbound proxy, as when it crashes. */
  public void stopInbound() {
    inboundSystem.terminate();
    inboundSystem.getWhenTerminated().toCompletableFuture().join();
  }

  /** The sum of a family's samples over all label sets, from a proxy's exposition. */
  public static double total(ProxyMetrics metrics, String family) {
    return metrics.scrape().lines().filter(line -> line.startsWith(family + "{"))
        .mapToDouble(line -> Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))).sum();
  }

  @Override
  public void close() {
    discovery.close();
    outboundSystem.terminate();
    inboundSystem.terminate();
    controlPlane.close();
  }
}
