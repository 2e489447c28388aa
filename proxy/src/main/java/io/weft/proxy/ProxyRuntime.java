package io.weft.proxy;

import io.weft.streams.tcp.TcpListener;
import io.weft.proxy.config.ProxyConfigException;
import io.weft.proxy.config.ProxyConfig;
import com.typesafe.config.Config;
import com.typesafe.config.ConfigFactory;
import io.weft.proxy.admin.AdminServer;
import io.weft.proxy.admin.LogLevels;
import io.weft.proxy.control.ControlPlaneClient;
import io.weft.proxy.discovery.Discovery;
import io.weft.proxy.tcp.Drain;
import io.weft.proxy.http.HttpClients;
import io.weft.proxy.http.HttpSettings;
import io.weft.proxy.outbound.Balancing;
import io.weft.proxy.identity.MeshTls;
import io.weft.proxy.identity.ProxyIdentity;
import io.weft.proxy.inbound.InboundHttp;
import io.weft.proxy.inbound.InboundProxy;
import io.weft.proxy.metrics.ProxyMetrics;
import io.weft.proxy.outbound.OutboundHttp;
import io.weft.proxy.outbound.OutboundOpaque;
import io.weft.proxy.outbound.OutboundProxy;
import io.weft.proxy.outbound.ServerFirstMemory;
import io.weft.proxy.policy.InboundPolicies;
import io.weft.proxy.policy.InboundPolicy;
import io.weft.proxy.discovery.Following;
import io.weft.proxy.tap.TapServer;
import io.weft.proxy.tap.Taps;
import io.weft.proxy.tcp.Dial;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.actor.typed.javadsl.Behaviors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicBoolean;

/** A running proxy: admin, inbound and outbound listeners, and its discovery client. */
public final class ProxyRuntime implements AutoCloseable {
  private static final String SERVER_FIRST_PROBE = "weft.proxy.detect.server-first-probe";
  private static final String SERVER_FIRST = "weft.proxy.detect.server-first";
  private static final String TAP_BUFFER = "weft.proxy.tap.buffer";
  private static final String PARALLELISM_MAX = "pekko.actor.default-dispatcher.fork-join-executor.parallelism-max";
  /** The proxy's streams run on its event loops (weft-proxy.conf): one per core it is given. */
  private static final String EVENT_LOOPS = "weft.streams.tcp.event-loops";
  private static final Logger log = LoggerFactory.getLogger(ProxyRuntime.class);
  private static final String REQUIRED_SETTINGS = "weft-proxy.conf";
  private static final Duration DISCOVERY_MIN_BACKOFF = Duration.ofMillis(100);
  private static final Duration DISCOVERY_MAX_BACKOFF = Duration.ofSeconds(10);
  /** Enough for a transport header with a long authority; HTTP needs far less. */
  private static final int DETECT_MAX_BYTES = 2048;

  private final ActorSystem<Void> system;
  private final Discovery discovery;
  private final ProxyMetrics metrics;
  private final InetSocketAddress admin;
  private final InetSocketAddress inbound;
  private final List<InetSocketAddress> outbound;

  private final CompletionStage<Void> ready;
  private final Stopping stopping;

  private ProxyRuntime(ActorSystem<Void> system, Discovery discovery, ProxyMetrics metrics, InetSocketAddress admin,
                       InetSocketAddress inbound, List<InetSocketAddress> outbound, CompletionStage<Void> ready, Stopping stopping) {
    this.ready = ready;
    this.stopping = stopping;
    this.system = system;
    this.discovery = discovery;
    this.metrics = metrics;
    this.admin = admin;
    this.inbound = inbound;
    this.outbound = outbound;
  }

  /**
   * The default policy, and the port policies the control plane serves when the injector named the
   * policy API (they live as long as the proxy's actor system).
   */
  private static InboundPolicy inboundPolicy(ActorSystem<?> system, ProxyConfig config, ProxyMetrics metrics) {
    InboundPolicy defaults = new InboundPolicy(config.inbound().defaultPolicy(), config.inbound().clusterNetworks())
        .requiringIdentityOn(config.inbound().identityRequiredPorts());
    return config.controlPlane().policy().map(p -> {
      InboundPolicies ports = new InboundPolicies(system, ControlPlaneClient.inboundPolicies(system, p.address()), p.workload(),
          p.ports().stream().boxed().collect(java.util.stream.Collectors.toSet()),
          new Following.Limits(DISCOVERY_MIN_BACKOFF, DISCOVERY_MAX_BACKOFF, config.controlPlane().stream()));
      system.getWhenTerminated().thenRun(ports::close);
      metrics.authz().policyStreams(ports.ports(), ports::following);
      return defaults.withPorts(ports);
    }).orElse(defaults);
  }

  public static ProxyRuntime start(ProxyConfig config, Map<String, String> env, Config given) {
    InetSocketAddress destination = config.controlPlane().destinationAddress().orElseThrow(() -> new ProxyConfigException(
        "LINKERD2_PROXY_DESTINATION_SVC_ADDR is required: the proxy discovers endpoints through the control plane"));
    config.notices().forEach(notice -> log.warn(notice.message()));
    // The key pair and CSR (cold cryptography) are made while the actor system starts.
    Optional<Beside<ProxyIdentity.Keys>> keys = config.identity().map(c -> Beside.start("identity-keys", () -> ProxyIdentity.keys(c)));
    ActorSystem<Void> system = ActorSystem.create(Behaviors.empty(), "weft-proxy", systemConfig(given, config.process().cores()));
    try {
      AtomicBoolean ready = new AtomicBoolean();
      LogLevels logLevels = new LogLevels(config.process().logLevel());
      // Identity first: its certificate request is on its way while the rest starts.
      ProxyMetrics metrics = new ProxyMetrics();
      Optional<ProxyIdentity> identity = config.identity().map(c -> ProxyIdentity.start(system, c, keys.orElseThrow().join(),
          metrics.identity()));
      // Weft's control plane serves OutboundPolicies beside Destination.
      Discovery discovery = new Discovery(system, ControlPlaneClient.destination(system, destination),
          Optional.of(ControlPlaneClient.outboundPolicies(system, destination)),
          new Discovery.Settings(config.controlPlane().destinationContext(), DISCOVERY_MIN_BACKOFF, DISCOVERY_MAX_BACKOFF,
              config.outbound().discoveryIdleTimeout(), config.controlPlane().stream(), config.controlPlane().profileNetworks()));

      // The proxy's own ports are never a valid target for a connection it relays.
      Set<Integer> ownPorts = Set.copyOf(List.of(config.inbound().listen().getPort(), config.outbound().listen().getPort(),
          config.admin().listen().getPort(), config.admin().controlListen().getPort()));
      if (identity.isEmpty()) {
        log.warn("identity is disabled (no LINKERD2_PROXY_IDENTITY_* settings): connections between proxies are not mTLS");
      }
      Optional<MeshTls> tls = identity.map(ProxyIdentity::tls);
      HttpSettings http = HttpSettings.from(system.settings().config());
      Taps taps = new Taps(system, system.settings().config().getInt(TAP_BUFFER), metrics::tapEventDropped, System::nanoTime);
      Dial toApplicationDial = Dial.of(config.inbound().connectTimeout(), config.inbound().sockets().connect());
      HttpClients toApplication = new HttpClients(system, http.clients(toApplicationDial,
          config.inbound().limits().maxInFlight()), Optional.empty());
      List<TcpListener.Binding> listeners = new ArrayList<>();
      listeners.add(new InboundProxy(system, metrics, new InboundHttp(system, toApplication, metrics.http(),
          config.inbound().limits(), config.inbound().connectTimeout(), taps),
          new InboundProxy.Settings(config.inbound().detectTimeout(), DETECT_MAX_BYTES, toApplicationDial, ownPorts,
              config.inbound().opaquePorts(), http.limits(), system.settings().config().getDuration(SERVER_FIRST_PROBE),
              inboundPolicy(system, config, metrics), Set.copyOf(config.inbound().ips()), config.inbound().http2(),
              config.inbound().sockets().accept()), tls)
          .bind(config.inbound().listen()).toCompletableFuture().join());
      InetSocketAddress inbound = listeners.getFirst().localAddress();
      Balancing balancing = Balancing.linkerds(config.outbound().limits());
      Dial toEndpointsDial = Dial.of(config.outbound().connectTimeout(), config.outbound().sockets().connect());
      HttpClients toEndpoints = new HttpClients(system, http.clients(toEndpointsDial,
          config.outbound().limits().maxInFlight()), tls);
      OutboundHttp outboundHttp = new OutboundHttp(system, discovery, config.controlPlane().clusterDomain(), balancing,
          metrics, toEndpoints, http.maxRetryBodyBytes(), ownPorts, config.outbound().ingressMode(), tls, taps);
      OutboundOpaque outboundOpaque = new OutboundOpaque(system, discovery, toEndpointsDial,
          config.outbound().limits().failfastTimeout(), balancing, tls);
      OutboundProxy outboundProxy = new OutboundProxy(system, metrics.tcp(), outboundHttp, outboundOpaque,
          new OutboundProxy.Settings(config.outbound().detectTimeout(), DETECT_MAX_BYTES, ownPorts, http.limits(),
              system.settings().config().getDuration(SERVER_FIRST_PROBE), ServerFirstMemory.Settings.from(system.settings().config().getConfig(SERVER_FIRST)),
              config.outbound().http2(), config.outbound().sockets().accept()));
      listeners.add(outboundProxy.bind(config.outbound().listen()).toCompletableFuture().join());
      // The other addresses (Linkerd's IPv6 loopback) are a convenience: a pod without IPv6 still runs.
      for (InetSocketAddress listen : config.outbound().listens().subList(1, config.outbound().listens().size())) {
        try {
          listeners.add(outboundProxy.bind(listen).toCompletableFuture().join());
        } catch (java.util.concurrent.CompletionException e) {
          log.warn("outbound listener on {} not started: {}", listen, e.getCause() == null ? e : e.getCause().getMessage());
        }
      }
      List<InetSocketAddress> outbound = listeners.subList(1, listeners.size()).stream().map(TcpListener.Binding::localAddress).toList();
      Stopping stopping = new Stopping(system, discovery, listeners, config.process().shutdownGracePeriod());
      serveTap(system, config.admin(), tls, taps, http);
      InetSocketAddress admin = new AdminServer(new AdminServer.Hooks(ready::get, metrics::scrape, logLevels,
          config.admin().shutdownEndpointEnabled(), stopping::stop, env)).bind(system, config.admin().listen()).localAddress();
      // Ready once it listens and, with identity, once it holds its first certificate (as Linkerd's).
      Runnable markReady = () -> {
        ready.set(true);
        log.info("proxy ready: inbound {}, outbound {}, admin {}, destination {}:{}, identity {}", inbound, outbound, admin,
            destination.getHostString(), destination.getPort(), config.identity().map(ProxyIdentity.Config::localName)
                .orElse("disabled"));
      };
      CompletableFuture<Void> readiness = identity.map(i -> i.certified().toCompletableFuture().thenRun(markReady))
          .orElseGet(() -> CompletableFuture.runAsync(markReady, Runnable::run));
      return new ProxyRuntime(system, discovery, metrics, admin, inbound, outbound, readiness, stopping);
    } catch (RuntimeException e) {
      system.terminate();
      throw e;
    }
  }

  /** The tap port, when this proxy has identity and knows the tap service's (Linkerd's conditions). */
  private static void serveTap(ActorSystem<?> system, ProxyConfig.Admin admin, Optional<MeshTls> tls, Taps taps,
                               HttpSettings http) {
    if (tls.isEmpty() || admin.tapIdentity().isEmpty()) {
      log.info("tap is disabled: {}", tls.isEmpty() ? "the proxy has no identity" : "LINKERD2_PROXY_TAP_SVC_NAME is not set");
      return;
    }
    TapServer.bind(system, admin.controlListen(), tls.get(), admin.tapIdentity().get(), taps, http.limits().maxHeadBytes());
  }

  /** The proxy's required Pekko settings layered over {@code given}. */
  public static Config systemConfig(Config given) {
    return systemConfig(given, Optional.empty());
  }

  /**
   * As {@link #systemConfig(Config)}, with as many dispatcher threads and event loops as
   * {@code cores} ({@code LINKERD2_PROXY_CORES}) when given.
   */
  static Config systemConfig(Config given, Optional<Integer> cores) {
    Config required = ConfigFactory.parseResources(ProxyRuntime.class.getClassLoader(), REQUIRED_SETTINGS);
    Config sized = cores.map(n -> ConfigFactory.parseMap(Map.of(PARALLELISM_MAX, n, EVENT_LOOPS, n)).withFallback(required))
        .orElse(required);
    return sized.withFallback(given).resolve();
  }

  public InetSocketAddress adminAddress() { return admin; }

  /** Completes when the proxy is ready (its /ready says so): listening, and certified when it has identity. */
  public CompletionStage<Void> ready() { return ready; }

  public InetSocketAddress inboundAddress() { return inbound; }

  /** The first outbound listener's address (the one Linkerd's single-address setting names). */
  public InetSocketAddress outboundAddress() { return outbound.getFirst(); }

  /** Every outbound listener's address ({@code LINKERD2_PROXY_OUTBOUND_LISTEN_ADDRS}). */
  public List<InetSocketAddress> outboundAddresses() { return outbound; }

  public ActorSystem<Void> system() { return system; }

  public ProxyMetrics metrics() { return metrics; }

  /**
   * Stops as Linkerd's proxy does on SIGTERM: no new connections; HTTP/1 connections closed behind
   * their answers (idle ones at once), HTTP/2 ones sent GOAWAY; every connection waited for until it
   * closes (up to {@code LINKERD2_PROXY_SHUTDOWN_GRACE_PERIOD}), then everything closed. Returns once
   * the proxy has stopped.
   */
  @Override
  public void close() {
    stopping.stop();
    system.getWhenTerminated().toCompletableFuture().join();
  }

  /** The graceful stop, once, whoever asks first (a signal, {@code /shutdown}, the proxy's owner). */
  private static final class Stopping {
    private final ActorSystem<?> system;
    private final Discovery discovery;
    private final List<TcpListener.Binding> listeners;
    private final Duration grace;
    private final AtomicBoolean started = new AtomicBoolean();

    Stopping(ActorSystem<?> system, Discovery discovery, List<TcpListener.Binding> listeners, Duration grace) {
      this.system = system;
      this.discovery = discovery;
      this.listeners = List.copyOf(listeners);
      this.grace = grace;
    }

    void stop() {
      if (!started.compareAndSet(false, true)) {
        return;
      }
      Drain drain = Drain.get(system);
      log.info("stopping: no new connections; {} connection(s) open get up to {} to finish", drain.open(), grace);
      CompletableFuture.allOf(listeners.stream().map(l -> l.unbind().toCompletableFuture()).toArray(CompletableFuture[]::new))
          .exceptionally(error -> null)
          .thenCompose(unbound -> drain.drain(grace))
          .whenComplete((finished, error) -> {
            if (Boolean.FALSE.equals(finished)) {
              log.warn("stopping: the grace period ended with {} connection(s) open; closing them", drain.open());
            }
            discovery.close();
            system.terminate();
          });
    }
  }
}
