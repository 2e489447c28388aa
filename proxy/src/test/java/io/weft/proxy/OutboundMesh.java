package io.weft.proxy;

import io.weft.actors.ControlPlane;
import io.weft.proxy.discovery.Discovery;
import io.weft.proxy.metrics.ProxyMetrics;
import org.apache.pekko.actor.typed.ActorSystem;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * A real control plane on a manifest directory and an outbound proxy that follows it, on loopback:
 * what tests that call through the outbound proxy start in each test and close after it.
 */
public final class OutboundMesh implements AutoCloseable {
  private final ControlPlane controlPlane;
  private final ActorSystem<Void> system;
  private final Discovery discovery;
  private final int port;

  private OutboundMesh(ControlPlane controlPlane, ActorSystem<Void> system, Discovery discovery, int port) {
    this.controlPlane = controlPlane;
    this.system = system;
    this.discovery = discovery;
    this.port = port;
  }

  /** The control plane serves {@code manifests}; the proxy records into {@code metrics}. */
  public static OutboundMesh start(Path manifests, Duration failfast, ProxyMetrics metrics) throws IOException {
    int destinationPort = LocalMesh.freePort();
    ControlPlane controlPlane = LocalMesh.controlPlane(manifests, destinationPort);
    ActorSystem<Void> system = LocalMesh.proxySystem();
    Discovery discovery = LocalMesh.discovery(system, destinationPort, failfast);
    return new OutboundMesh(controlPlane, system, discovery, LocalMesh.outboundProxy(system, discovery, failfast, metrics));
  }

  public ActorSystem<Void> system() { return system; }

  public Discovery discovery() { return discovery; }

  /** The outbound proxy's port on 127.0.0.1. */
  public int port() { return port; }

  @Override
  public void close() {
    discovery.close();
    system.terminate();
    controlPlane.close();
  }
}
