package io.weft.proxy;

import io.weft.proxy.config.ProxyConfig;
import com.typesafe.config.ConfigFactory;
import io.linkerd.proxy.destination.Destination;
import io.weft.actors.ControlPlane;
import io.weft.actors.ControlPlaneSettings;
import io.weft.k8s.local.LocalClusterBackend;
import io.weft.proxy.control.ControlPlaneClient;
import io.weft.proxy.discovery.Discovery;
import io.weft.proxy.http.HttpClients;
import io.weft.proxy.http.HttpSettings;
import io.weft.proxy.outbound.Balancing;
import io.weft.proxy.identity.MeshTls;
import io.weft.proxy.inbound.InboundHttp;
import io.weft.proxy.inbound.InboundProxy;
import io.weft.proxy.metrics.ProxyMetrics;
import io.weft.proxy.outbound.OutboundHttp;
import io.weft.proxy.outbound.OutboundOpaque;
import io.weft.proxy.outbound.OutboundProxy;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** What proxy tests share: a real control plane on a local cluster, and a proxy-side discovery client. */
public final class LocalMesh {
  private LocalMesh() {}

  public static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Whether a connection to {@code address} is refused: nothing listens there (any other outcome says something does). */
  public static boolean refuses(java.net.InetSocketAddress address) {
    try (java.net.Socket ignored = new java.net.Socket(address.getAddress(), address.getPort())) {
      return false;
    } catch (java.net.ConnectException e) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  /** A control plane serving the Destination API on {@code port} from {@code manifests}, with extra {@code settings}. */
  public static ControlPlane controlPlane(Path manifests, int port, String... settings) {
    var config = ConfigFactory.parseString(String.join("\n", settings))
        .withFallback(ConfigFactory.parseString(String.join("\n",
            "pekko.remote.artery.canonical.port = 0",
            "weft.control-plane.destination.interface = \"127.0.0.1\"",
            "weft.control-plane.destination.port = " + port,
            "weft.control-plane.admin.port = 0",
            "weft.local-cluster.rescan-interval = 500ms")))
        .withFallback(ConfigFactory.load());
    // A pre-picked port can be taken in the moment before the bind (CI saw "Address already in use"
    // twice; the holder was never caught). Binding again once it is free is what a restarted pod
    // would do; if it never frees, the failure says who holds it.
    long deadline = System.nanoTime() + BIND_PATIENCE.toNanos();
    while (true) {
      try {
        return ControlPlane.start(config, new LocalClusterBackend(manifests, ControlPlaneSettings.from(config).localCluster()),
            Optional.empty());
      } catch (RuntimeException e) {
        if (!bindFailure(e)) {
          throw e;
        }
        System.err.println("control plane: port " + port + " is taken, binding again shortly:\n" + sockets(port));
        if (System.nanoTime() > deadline) {
          throw new IllegalStateException("port " + port + " stayed taken:\n" + sockets(port), e);
        }
        try {
          Thread.sleep(BIND_PAUSE.toMillis());
        } catch (InterruptedException interrupted) {
          Thread.currentThread().interrupt();
          throw e;
        }
      }
    }
  }

  private static final java.time.Duration BIND_PATIENCE = java.time.Duration.ofSeconds(30);
  private static final java.time.Duration BIND_PAUSE = java.time.Duration.ofMillis(200);

  /** The sockets on {@code port}, as ss sees them (for a failure's message). */
  private static String sockets(int port) {
    try {
      Process ss = new ProcessBuilder("ss", "-tanpo", "sport = :" + port + " or dport = :" + port).redirectErrorStream(true).start();
      return new String(ss.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    } catch (IOException e) {
      return "(ss: " + e.getMessage() + ")";
    }
  }

  private static boolean bindFailure(Throwable e) {
    for (Throwable t = e; t != null; t = t.getCause()) {
      if (t instanceof java.net.BindException) {
        return true;
      }
    }
    return false;
  }

  /** Manifest of Service {@code api} in namespace {@code shop}: port 80 to the pods' port named http. */
  public static String apiService() {
    return """
        apiVersion: v1
        kind: Service
        metadata: {name: api, namespace: shop}
        spec:
          selector: {app: api}
          ports: [{name: http, port: 80, targetPort: http}]
        """;
  }

  /** Manifest of a ready {@code api} pod at 127.0.0.1 whose port named http is {@code port}, after a document separator. */
  public static String loopbackPod(String name, int port) {
    return loopbackPod(name, "api", port);
  }

  /** As {@link #loopbackPod(String, int)}, labelled {@code app: <app>}. */
  public static String loopbackPod(String name, String app, int port) {
    return """
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: %s, namespace: shop, labels: {app: %s}}
        spec: {containers: [{name: main, ports: [{name: http, containerPort: %d}]}]}
        status:
          podIP: 127.0.0.1
          phase: Running
          conditions: [{type: Ready, status: "True"}]
        """.formatted(name, app, port);
  }

  /** Linkerd's outbound queue capacity and in-flight limit, with the given failfast timeout. */
  public static ProxyConfig.Side outboundSide(Duration failfastTimeout) {
    return new ProxyConfig.Side(100, failfastTimeout, 100_000, Duration.ofMillis(100), Duration.ofSeconds(60));
  }

  /**
   * An outbound proxy (4140's detection, HTTP and opaque paths) on a free loopback port, which it
   * knows as its own (the loop guard); returns the port.
   */
  public static int outboundProxy(ActorSystem<?> system, Discovery discovery, Duration failfastTimeout, ProxyMetrics metrics) {
    return outboundProxy(system, discovery, failfastTimeout, metrics, Optional.empty());
  }

  /** As above, with this proxy's mesh TLS for meshed endpoints. */
  public static int outboundProxy(ActorSystem<?> system, Discovery discovery, Duration failfastTimeout, ProxyMetrics metrics,
                                  Optional<MeshTls> tls) {
    int port;
    try {
      port = freePort();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
    return outboundProxy(system, discovery, failfastTimeout, metrics, tls, java.util.Set.of(port))
        .bind(new java.net.InetSocketAddress("127.0.0.1", port)).toCompletableFuture().join().localAddress().getPort();
  }

  private static final io.weft.proxy.tcp.Dial DIAL = io.weft.proxy.tcp.Dial.within(Duration.ofSeconds(1));

  /** An outbound proxy, not yet bound, that knows {@code own} as its own ports (the loop guard). */
  public static OutboundProxy outboundProxy(ActorSystem<?> system, Discovery discovery, Duration failfastTimeout, ProxyMetrics metrics,
                                            Optional<MeshTls> tls, java.util.Set<Integer> own) {
    HttpSettings settings = HttpSettings.from(system.settings().config());
    Balancing balancing = Balancing.linkerds(outboundSide(failfastTimeout));
    OutboundHttp http = new OutboundHttp(system, discovery, "cluster.local", balancing, metrics,
        new HttpClients(system, settings.clients(DIAL, 100_000), tls), settings.maxRetryBodyBytes(), own, false, tls,
        new io.weft.proxy.tap.Taps(system, 1, () -> {}, System::nanoTime));
    OutboundOpaque opaque = new OutboundOpaque(system, discovery, DIAL, failfastTimeout, balancing, tls);
    return new OutboundProxy(system, metrics.tcp(), http, opaque, new OutboundProxy.Settings(Duration.ofSeconds(10), 2048, own,
        settings.limits(), system.settings().config().getDuration("weft.proxy.detect.server-first-probe"),
        io.weft.proxy.outbound.ServerFirstMemory.Settings.from(system.settings().config().getConfig("weft.proxy.detect.server-first")),
        io.weft.proxy.http.Http2Keepalive.NONE, io.weft.proxy.tcp.TcpOptions.NONE));
  }

  /** An inbound proxy as a pod has it (HTTP-aware, Linkerd's default opaque ports), not yet bound. */
  public static InboundProxy inboundProxy(ActorSystem<?> system, ProxyMetrics metrics, Duration detectTimeout,
                                          java.util.Set<Integer> ownPorts) {
    return inboundProxy(system, metrics, detectTimeout, ownPorts, Optional.empty());
  }

  /** As above, terminating mesh TLS for this proxy's identity. */
  public static InboundProxy inboundProxy(ActorSystem<?> system, ProxyMetrics metrics, Duration detectTimeout,
                                          java.util.Set<Integer> ownPorts, Optional<MeshTls> tls) {
    return inboundProxy(system, metrics, detectTimeout, ownPorts, tls, io.weft.proxy.policy.InboundPolicy.allowAll());
  }

  /** As above, enforcing {@code policy}. */
  public static InboundProxy inboundProxy(ActorSystem<?> system, ProxyMetrics metrics, Duration detectTimeout,
                                          java.util.Set<Integer> ownPorts, Optional<MeshTls> tls,
                                          io.weft.proxy.policy.InboundPolicy policy) {
    return inboundProxy(system, metrics, detectTimeout, ownPorts, tls, policy, java.util.Set.of());
  }

  /** As above, serving only connections for {@code ips} (Linkerd's {@code LINKERD2_PROXY_INBOUND_IPS}; all when empty). */
  public static InboundProxy inboundProxy(ActorSystem<?> system, ProxyMetrics metrics, Duration detectTimeout,
                                          java.util.Set<Integer> ownPorts, Optional<MeshTls> tls,
                                          io.weft.proxy.policy.InboundPolicy policy, java.util.Set<java.net.InetAddress> ips) {
    java.util.BitSet opaque = new java.util.BitSet();
    java.util.Arrays.stream(ProxyConfig.DEFAULT_OPAQUE_PORTS.split(",")).mapToInt(Integer::parseInt).forEach(opaque::set);
    HttpSettings settings = HttpSettings.from(system.settings().config());
    return new InboundProxy(system, metrics, new InboundHttp(system, new HttpClients(system,
        settings.clients(DIAL, 100_000), Optional.empty()), metrics.http(),
        new ProxyConfig.Side(100, Duration.ofSeconds(1), 100_000, Duration.ofMillis(100), Duration.ofSeconds(10)),
        Duration.ofSeconds(1), new io.weft.proxy.tap.Taps(system, 1, () -> {}, System::nanoTime)),
        new InboundProxy.Settings(detectTimeout, 2048, DIAL, ownPorts, opaque, settings.limits(),
            system.settings().config().getDuration("weft.proxy.detect.server-first-probe"), policy, ips,
            io.weft.proxy.http.Http2Keepalive.NONE, io.weft.proxy.tcp.TcpOptions.NONE), tls);
  }

  /** A proxy's actor system, with extra Pekko {@code settings} if any. */
  public static ActorSystem<Void> proxySystem(String... settings) {
    return ActorSystem.create(Behaviors.empty(), "proxy", ProxyRuntime.systemConfig(
        ConfigFactory.parseString(String.join("\n", settings)).withFallback(ConfigFactory.load())));
  }

  /** Discovery against the control plane on {@code port}, with Linkerd's balancer defaults and quick reconnects. */
  public static Discovery discovery(ActorSystem<?> system, int port, Duration failfastTimeout) {
    return discovery(system, port, failfastTimeout, Duration.ofSeconds(5));
  }

  public static Discovery discovery(ActorSystem<?> system, int port, Duration failfastTimeout, Duration idleTimeout) {
    return new Discovery(system, destinationClient(system, port),
        Optional.of(ControlPlaneClient.outboundPolicies(system, new InetSocketAddress("127.0.0.1", port))),
        new Discovery.Settings("{}", Duration.ofMillis(100),
        Duration.ofSeconds(1), idleTimeout, ProxyConfig.fromEnv(Map.of()).controlPlane().stream(), List.of()));
  }

  /** A Destination client of the control plane on {@code port}, as the proxy makes it. */
  public static Destination destinationClient(ActorSystem<?> system, int port) {
    return ControlPlaneClient.destination(system, new InetSocketAddress("127.0.0.1", port));
  }
}
