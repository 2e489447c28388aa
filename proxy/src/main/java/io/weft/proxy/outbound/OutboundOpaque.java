package io.weft.proxy.outbound;

import io.weft.proxy.discovery.LatestAnswer;
import io.linkerd.proxy.destination.DestinationProfile;
import io.linkerd.proxy.destination.WeightedAddr;
import io.weft.protocol.net.TcpAddresses;
import io.weft.protocol.transport.Header;
import io.weft.proxy.discovery.Discovery;
import io.weft.proxy.discovery.Resolution;
import io.weft.proxy.identity.MeshTls;
import io.weft.proxy.tcp.Dial;
import io.weft.proxy.tcp.Forwarding;
import io.weft.streams.balance.P2cBalancer;
import io.weft.streams.stage.Tally;
import io.weft.streams.queue.SchedulerTimer;
import io.weft.streams.queue.Timer;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.util.ByteString;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Outbound bytes that are not HTTP: the connection's original destination is looked up by address
 * (a Service's cluster IP has endpoints; a pod IP is its own endpoint), and the connection as a
 * whole is balanced over the endpoints with P2C on open connections. A meshed endpoint is reached
 * through its proxy with a transport header; an unknown address is reached as it was addressed.
 */
public final class OutboundOpaque {
  private final ActorSystem<?> system;
  private final Discovery discovery;
  private final Dial dial;
  private final Duration discoveryWait;
  private final Timer timer;

  private final PeerIdentity peers;
  private final Optional<MeshTls> tls;
  private final Balancing balancing;
  private final PerFollowed<Resolution, P2cBalancer<WeightedAddr>> balancers = new PerFollowed<>();

  /**
   * {@code discoveryWait}: how long a new address waits for the control plane's first answer;
   * {@code tls}: this proxy's mesh TLS, used for every endpoint discovery names an identity for.
   */
  public OutboundOpaque(ActorSystem<?> system, Discovery discovery, Dial dial, Duration discoveryWait,
                        Balancing balancing, Optional<MeshTls> tls) {
    this.tls = tls;
    this.balancing = balancing;
    this.peers = new PeerIdentity(tls);
    this.system = system;
    this.discovery = discovery;
    this.dial = dial;
    this.discoveryWait = discoveryWait;
    this.timer = SchedulerTimer.of(system);
  }

  /** A relay to where {@code original} leads, connected as soon as discovery has answered (the client may say nothing first). */
  Flow<ByteString, ByteString, NotUsed> to(InetSocketAddress original) {
    if (!discovery.looksUp(original.getAddress())) {
      return Forwarding.to(system, original, dial);
    }
    Resolution resolution = discovery.resolve(authority(original));
    CompletionStage<Flow<ByteString, ByteString, NotUsed>> chosen = resolution.answeredWithin(discoveryWait, timer)
        .thenApply(answered -> choose(resolution, original));
    return Flow.completionStageFlow(chosen).mapMaterializedValue(connected -> NotUsed.notUsed());
  }

  /**
   * Whether the control plane marks {@code original} opaque (a Service port or pod port annotated
   * so, or one of Linkerd's default opaque ports): such a connection skips detection, as Linkerd's
   * outbound side does. Known at once after the first lookup; the first waits for the answer.
   */
  CompletionStage<Boolean> markedOpaque(InetSocketAddress original) {
    if (!discovery.looksUp(original.getAddress())) {
      return CompletableFuture.completedFuture(false);
    }
    LatestAnswer<DestinationProfile> profile = discovery.profile(authority(original));
    if (profile.current().isPresent()) {
      return CompletableFuture.completedFuture(profile.current().get().getOpaqueProtocol());
    }
    return profile.answeredWithin(discoveryWait, timer)
        .thenApply(answered -> profile.current().map(DestinationProfile::getOpaqueProtocol).orElse(false));
  }

  private static String authority(InetSocketAddress address) {
    return TcpAddresses.format(TcpAddresses.of(address.getAddress(), address.getPort()));
  }

  private Flow<ByteString, ByteString, NotUsed> choose(Resolution resolution, InetSocketAddress original) {
    Optional<P2cBalancer.Endpoint<WeightedAddr>> picked = resolution.exists().orElse(false)
        ? balancers.get(resolution, balancing::following).pick() : Optional.empty();
    if (picked.isEmpty()) {
      return Forwarding.to(system, original, dial);
    }
    P2cBalancer.Endpoint<WeightedAddr> endpoint = picked.get();
    InetSocketAddress address = TcpAddresses.toSocketAddress(endpoint.id().getAddr());
    int inboundPort = endpoint.id().getProtocolHint().getOpaqueTransport().getInboundPort();
    Flow<ByteString, ByteString, NotUsed> onward = inboundPort == 0
        ? Forwarding.to(system, address, dial)
        : Forwarding.viaPeerProxy(system, new InetSocketAddress(address.getAddress(), inboundPort),
            Header.newBuilder().setPort(address.getPort()).build(), dial,
            peers.of(endpoint.id()).flatMap(identity -> tls.map(t -> t.client(identity))));
    // Connection-level load: an open connection is a request in flight until it closes.
    endpoint.load().started();
    return onward.via(Tally.onEnd(failure -> endpoint.load().abandoned()));
  }
}
