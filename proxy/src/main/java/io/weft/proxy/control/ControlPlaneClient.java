package io.weft.proxy.control;

import com.typesafe.config.Config;
import io.grpc.netty.shaded.io.grpc.netty.NettyChannelBuilder;
import io.linkerd.proxy.destination.DestinationClient;
import io.linkerd.proxy.outbound.OutboundPoliciesClient;
import io.linkerd.proxy.identity.IdentityClient;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.grpc.javadsl.PekkoGrpcClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * A gRPC client of a control-plane API that the proxy never loses. Pekko gRPC shuts a client down
 * for good once it has counted its connection attempts (twenty by default: a long outage of the
 * control plane), after which every call on it fails at once; this one is then built again.
 * Its connection is checked by HTTP/2 keepalive PINGs, so one that silently stopped carrying bytes
 * (a restarted node behind a stale NAT entry, a black-holed route) is closed and replaced instead
 * of holding the proxy's streams forever.
 */
public final class ControlPlaneClient<C extends PekkoGrpcClient> implements Supplier<C> {
  private static final Logger log = LoggerFactory.getLogger(ControlPlaneClient.class);

  /** See the proxy's reference.conf, {@code weft.proxy.control-plane}. */
  public record Settings(Duration keepAliveInterval, Duration keepAliveTimeout, Duration requestTimeout) {
    public static Settings from(Config config) {
      Config c = config.getConfig("weft.proxy.control-plane");
      return new Settings(c.getDuration("keep-alive-interval"), c.getDuration("keep-alive-timeout"),
          c.getDuration("request-timeout"));
    }
  }

  private final String name;
  private final Supplier<C> build;
  private final AtomicReference<C> current;

  private ControlPlaneClient(String name, Supplier<C> build) {
    this.name = name;
    this.build = build;
    this.current = new AtomicReference<>(build.get());
  }

  /** The Destination API at {@code address}, with {@code system}'s {@code weft.proxy.control-plane} settings. */
  public static ControlPlaneClient<DestinationClient> destination(ActorSystem<?> system, InetSocketAddress address) {
    return connect(system, "destination", address, Optional.empty(), settings -> DestinationClient.create(settings, system));
  }

  /** Linkerd's OutboundPolicies API at {@code address}, with {@code system}'s {@code weft.proxy.control-plane} settings. */
  public static ControlPlaneClient<OutboundPoliciesClient> outboundPolicies(ActorSystem<?> system, InetSocketAddress address) {
    return connect(system, "outbound policy", address, Optional.empty(), settings -> OutboundPoliciesClient.create(settings, system));
  }

  /** Linkerd's InboundServerPolicies API at {@code address}, with {@code system}'s {@code weft.proxy.control-plane} settings. */
  public static ControlPlaneClient<io.linkerd.proxy.inbound.InboundServerPoliciesClient> inboundPolicies(ActorSystem<?> system,
                                                                                                        InetSocketAddress address) {
    return connect(system, "inbound policy", address, Optional.empty(),
        settings -> io.linkerd.proxy.inbound.InboundServerPoliciesClient.create(settings, system));
  }

  /**
   * The Identity API at {@code address}: a Certify that never answers must not stop renewals, so
   * each call has the request timeout as its deadline.
   */
  public static ControlPlaneClient<IdentityClient> identity(ActorSystem<?> system, InetSocketAddress address) {
    return connect(system, "identity", address, Optional.of(Settings.from(system.settings().config()).requestTimeout()),
        settings -> IdentityClient.create(settings, system));
  }

  /**
   * A client of {@code name} at {@code address} (plaintext), made by {@code create} (the generated
   * client's {@code create}); with {@code deadline}, every call on it has one (unary APIs only:
   * on a stream it would be a lifetime). Generated clients close themselves with their actor system.
   */
  private static <C extends PekkoGrpcClient> ControlPlaneClient<C> connect(
      ActorSystem<?> system, String name, InetSocketAddress address, Optional<Duration> deadline,
      Function<GrpcClientSettings, C> create) {
    Settings settings = Settings.from(system.settings().config());
    long interval = settings.keepAliveInterval().toNanos();
    long timeout = settings.keepAliveTimeout().toNanos();
    scala.Function1<NettyChannelBuilder, NettyChannelBuilder> keepAlive = builder ->
        builder.keepAliveTime(interval, TimeUnit.NANOSECONDS).keepAliveTimeout(timeout, TimeUnit.NANOSECONDS);
    GrpcClientSettings base = GrpcClientSettings.connectToServiceAt(address.getHostString(), address.getPort(), system)
        .withTls(false).withChannelBuilderOverrides(keepAlive);
    GrpcClientSettings grpc = deadline.map(base::withDeadline).orElse(base);
    return new ControlPlaneClient<>(name + " at " + address.getHostString() + ":" + address.getPort(),
        () -> create.apply(grpc));
  }

  /** The client to call now: the same one while it lives, a new one once Pekko gRPC has given it up. */
  @Override
  public C get() {
    C client = current.get();
    if (!client.closed().toCompletableFuture().isDone()) {
      return client;
    }
    C fresh = build.get();
    if (current.compareAndSet(client, fresh)) {
      log.warn("{}: the gRPC client gave up reconnecting; connecting anew", name);
      client.close(); // its channel's threads and buffers
      return fresh;
    }
    fresh.close(); // another caller replaced it first
    return current.get();
  }
}
