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
import java.util.Set;

/**
 * A meshed hop on loopback for tests: a control plane that knows one Service in namespace
 * {@code shop} whose single pod is an application listening on 127.0.0.1, that pod's inbound
 * proxy, and a client-side outbound proxy. Clients send to {@link #outboundPort()} naming
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

  private ProxyPair(ControlPlane controlPlane, ActorSystem<Void> outboundSystem, ActorSystem<Void> inboundSystem,
                    Discovery discovery, ProxyMetrics inboundMetrics, ProxyMetrics outboundMetrics, int outboundPort,
                    int inboundPort) {
    this.controlPlane = controlPlane;
    this.outboundSystem = outboundSystem;
    this.inboundSystem = inboundSystem;
    this.discovery = discovery;
    this.inboundMetrics = inboundMetrics;
    this.outboundMetrics = outboundMetrics;
    this.outboundPort = outboundPort;
    this.inboundPort = inboundPort;
  }

  public static ProxyPair start(Path manifests, String service, int servicePort, int appPort, Duration failfast) throws IOException {
    ProxyMetrics inboundMetrics = new ProxyMetrics();
    ActorSystem<Void> inboundSystem = LocalMesh.proxySystem();
    int inboundPort = LocalMesh.inboundProxy(inboundSystem, inboundMetrics, Duration.ofSeconds(10), Set.of())
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
    int destinationPort = LocalMesh.freePort();
    ControlPlane controlPlane = LocalMesh.controlPlane(manifests, destinationPort,
        "weft.discovery.proxy-inbound-port = " + inboundPort);
    ActorSystem<Void> outboundSystem = LocalMesh.proxySystem();
    Discovery discovery = LocalMesh.discovery(outboundSystem, destinationPort, failfast);
    ProxyMetrics outboundMetrics = new ProxyMetrics();
    int outboundPort = LocalMesh.outboundProxy(outboundSystem, discovery, failfast, outboundMetrics);
    return new ProxyPair(controlPlane, outboundSystem, inboundSystem, discovery, inboundMetrics, outboundMetrics,
        outboundPort, inboundPort);
  }

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
