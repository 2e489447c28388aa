package io.weft.proxy.policy;

import io.linkerd.proxy.inbound.InboundServerPolicies;
import io.linkerd.proxy.inbound.PortSpec;
import io.linkerd.proxy.inbound.Server;
import io.weft.proxy.discovery.Followed;
import io.weft.proxy.discovery.Following;
import io.weft.proxy.discovery.LatestAnswer;
import org.apache.pekko.actor.typed.ActorSystem;

import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The pod's port policies, followed from the control plane's {@code InboundServerPolicies} for the
 * workload and ports Linkerd's injector names ({@code LINKERD2_PROXY_POLICY_WORKLOAD},
 * {@code LINKERD2_PROXY_INBOUND_PORTS}) for as long as the proxy runs: each answer replaces the
 * port's policy at once; while a stream is down the last answer stands; before the first, the
 * default policy applies (never "allow" for a port the control plane has not spoken about unless
 * the default says so).
 */
public final class InboundPolicies implements PortPolicies, AutoCloseable {
  private final Map<Integer, PortPolicy> current = new ConcurrentHashMap<>();
  private final Map<Integer, Set<Runnable>> listeners = new ConcurrentHashMap<>();
  private final Map<Integer, Followed.Stream<LatestAnswer<Server>>> streams = new ConcurrentHashMap<>();

  public InboundPolicies(ActorSystem<?> system, InboundServerPolicies client, String workload, Set<Integer> ports,
                         Following.Limits limits) {
    java.time.Duration burst = system.settings().config().getDuration("weft.proxy.inbound.rate-limit-burst");
    for (int port : ports) {
      PortSpec spec = PortSpec.newBuilder().setWorkload(workload).setPort(port).build();
      Followed.Stream<LatestAnswer<Server>> stream = Following.latest(system, limits, "inbound policy of port " + port,
          () -> client.watchPort(spec));
      stream.target().subscribe(server -> {
        current.put(port, PortPolicy.of(server, burst));
        listeners.getOrDefault(port, Set.of()).forEach(Runnable::run);
      });
      streams.put(port, stream);
    }
  }

  @Override
  public Optional<PortPolicy> forPort(int port) {
    return Optional.ofNullable(current.get(port));
  }

  @Override
  public Runnable onChange(int port, Runnable changed) {
    Set<Runnable> forPort = listeners.computeIfAbsent(port, p -> ConcurrentHashMap.newKeySet());
    forPort.add(changed);
    return () -> forPort.remove(changed);
  }

  /** The ports followed. */
  public Set<Integer> ports() {
    return Set.copyOf(streams.keySet());
  }

  /** Whether {@code port}'s policy stream is answering now (else the last answer, or the default, stands). */
  public boolean following(int port) {
    Followed.Stream<LatestAnswer<Server>> stream = streams.get(port);
    return stream != null && stream.target().connected();
  }

  @Override
  public void close() {
    streams.values().forEach(Followed.Stream::close);
  }
}
