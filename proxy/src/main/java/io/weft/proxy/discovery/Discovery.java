package io.weft.proxy.discovery;

import io.linkerd.proxy.destination.Destination;
import io.linkerd.proxy.destination.DestinationProfile;
import io.linkerd.proxy.destination.GetDestination;
import io.linkerd.proxy.outbound.OutboundPolicies;
import io.linkerd.proxy.outbound.OutboundPolicy;
import io.linkerd.proxy.outbound.TrafficSpec;
import io.weft.proxy.config.ProxyConfig;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The proxy's view of the Destination and OutboundPolicies APIs: per authority, a {@link Resolution}
 * (its endpoints, fed by {@code Get}), a {@link LatestAnswer} (its profile, fed by
 * {@code GetProfile}) and, for a Service, a {@link LatestAnswer} (fed by {@code Watch}), each
 * over its own stream that reconnects with backoff when the control plane goes away, and is asked
 * again when it breaks its receive limits ({@link ProxyConfig.ControlStream}). What nobody asks
 * for within the idle timeout is let go.
 */
public final class Discovery implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Discovery.class);

  /**
   * The context token sent with every lookup, the reconnect backoff, how long an unused authority
   * is followed, the streams' receive limits, and the networks whose addresses are looked up
   * ({@code LINKERD2_PROXY_DESTINATION_PROFILE_NETWORKS}; every address when empty).
   */
  public record Settings(String contextToken, Duration minBackoff, Duration maxBackoff, Duration idleTimeout,
                         ProxyConfig.ControlStream stream, java.util.List<io.weft.protocol.net.Cidr> networks) {}

  private final ActorSystem<?> system;
  private final Destination client;
  private final Settings settings;
  private final Follower<Resolution> endpoints;
  private final Follower<LatestAnswer<DestinationProfile>> profiles;
  private final Optional<Follower<LatestAnswer<OutboundPolicy>>> policies;
  private final org.apache.pekko.actor.Cancellable sweeper;
  private final LongSupplier nanoClock;

  /**
   * {@code client}: the Destination API, called for each new stream (see {@code ControlPlaneClient});
   * {@code policies}: the OutboundPolicies client, when the proxy has a policy service.
   */
  public Discovery(ActorSystem<?> system, Destination client, Optional<OutboundPolicies> policies,
                   Settings settings) {
    this(system, client, policies, settings, System::nanoTime);
  }

  /** Without a policy service: Services get the policy a Service without annotations has. */
  public Discovery(ActorSystem<?> system, Destination client, Settings settings) {
    this(system, client, Optional.empty(), settings, System::nanoTime);
  }

  /** {@code nanoClock} decides idleness; tests pass their own to sweep deterministically. */
  Discovery(ActorSystem<?> system, Destination client, Optional<OutboundPolicies> policyClient,
            Settings settings, LongSupplier nanoClock) {
    this.system = system;
    this.client = client;
    this.settings = settings;
    this.nanoClock = nanoClock;
    this.endpoints = new Follower<>("endpoints", authority -> {
      Resolution resolution = new Resolution();
      return follow("endpoints of " + authority, resolution, () -> client.get(lookup(authority)), resolution::apply,
          () -> resolution.endpoints().size() + " endpoints known");
    });
    this.profiles = new Follower<>("profile", authority -> {
      LatestAnswer<DestinationProfile> profile = new LatestAnswer<>();
      return follow("profile of " + authority, profile, () -> client.getProfile(lookup(authority)), profile::apply,
          () -> profile.current().isPresent() ? "the profile known" : "no profile yet");
    });
    this.policies = policyClient.map(c -> new Follower<>("outbound policy", authority -> {
      LatestAnswer<OutboundPolicy> policy = new LatestAnswer<>();
      return follow("outbound policy of " + authority, policy,
          () -> c.watch(TrafficSpec.newBuilder().setAuthority(authority).build()), policy::apply,
          () -> policy.current().isPresent() ? "the policy known" : "no policy yet");
    }));
    Duration sweep = settings.idleTimeout().dividedBy(2);
    this.sweeper = system.scheduler().scheduleAtFixedRate(sweep, sweep, this::dropIdle, system.executionContext());
  }

  /**
   * Whether the control plane is asked about {@code address} at all: one outside the profile
   * networks (the internet, a node) is reached as addressed without a lookup, as Linkerd's proxy does.
   */
  public boolean looksUp(java.net.InetAddress address) {
    return settings.networks().isEmpty() || settings.networks().stream().anyMatch(n -> n.contains(address));
  }

  /** As {@link #looksUp(java.net.InetAddress)} for a request's host: a name is always looked up. */
  public boolean looksUp(String host) {
    return settings.networks().isEmpty() || !io.weft.protocol.net.TcpAddresses.isIpLiteral(host)
        || looksUp(io.weft.protocol.net.TcpAddresses.parseLiteral(host));
  }

  /** The endpoints of {@code authority} ({@code name.ns.svc.cluster.local:port} or {@code ip:port}), followed from first use. */
  public Resolution resolve(String authority) {
    return endpoints.get(authority);
  }

  /** The profile of {@code authority}, followed from first use. */
  public LatestAnswer<DestinationProfile> profile(String authority) {
    return profiles.get(authority);
  }

  /**
   * The outbound policy of the Service {@code authority} ({@code name.ns.svc.cluster.local:port}),
   * followed from first use; empty when the proxy has no policy service.
   */
  public Optional<LatestAnswer<OutboundPolicy>> policy(String authority) {
    return policies.map(p -> p.get(authority));
  }

  /** How many streams (endpoints, profiles, policies) are being followed now. */
  public int active() {
    return endpoints.followed.size() + profiles.followed.size() + policies.map(p -> p.followed.size()).orElse(0);
  }

  /** Stops following what nobody asked about for the idle timeout and has nothing in flight. */
  void dropIdle() {
    long cutoff = nanoClock.getAsLong() - settings.idleTimeout().toNanos();
    endpoints.dropIdle(cutoff);
    profiles.dropIdle(cutoff);
    policies.ifPresent(p -> p.dropIdle(cutoff));
  }

  private GetDestination lookup(String authority) {
    return GetDestination.newBuilder().setScheme("k8s").setPath(authority).setContextToken(settings.contextToken()).build();
  }

  /** One kind of thing followed per authority, each with the stream that feeds it. */
  private final class Follower<F extends Followed> {
    private final String kind;
    private final Function<String, Followed.Stream<F>> start;
    private final Map<String, Followed.Stream<F>> followed = new ConcurrentHashMap<>();

    Follower(String kind, Function<String, Followed.Stream<F>> start) {
      this.kind = kind;
      this.start = start;
    }

    F get(String authority) {
      Followed.Stream<F> stream = followed.computeIfAbsent(authority, start);
      stream.target().touch(nanoClock.getAsLong());
      return stream.target();
    }

    void dropIdle(long cutoff) {
      followed.forEach((authority, stream) -> {
        if (stream.target().idleSince(cutoff) && followed.remove(authority, stream)) {
          stream.close();
          log.debug("stopped following the {} of {} (idle)", kind, authority);
        }
      });
    }

    void close() {
      followed.values().forEach(Followed.Stream::close);
    }
  }

  private <T, F extends Followed> Followed.Stream<F> follow(String what, F target, Supplier<Source<T, NotUsed>> open,
                                                           Consumer<T> apply, Supplier<String> known) {
    return Following.follow(system, new Following.Limits(settings.minBackoff(), settings.maxBackoff(), settings.stream()), what,
        target, open, apply, known);
  }

  @Override
  public void close() {
    sweeper.cancel();
    endpoints.close();
    profiles.close();
    policies.ifPresent(Follower::close);
  }
}
