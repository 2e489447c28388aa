package io.weft.proxy.inbound;

import io.weft.proxy.metrics.TcpMetrics;
import io.weft.proxy.tcp.Forwarding;
import io.weft.proxy.tcp.OriginalDestination;
import io.weft.streams.detect.Protocol;
import io.weft.streams.detect.ProtocolDetection;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.javadsl.Flow;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Tcp;
import org.apache.pekko.util.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The inbound side (4143): what reaches this pod. A peer proxy's connection names the pod's
 * target port in its transport header; any other connection was redirected here by iptables and
 * goes where it was originally going. A connection that would reach one of the proxy's own ports
 * is refused (the loop guard), and so is one with neither a header nor an original destination.
 */
public final class InboundProxy {
  private static final Logger log = LoggerFactory.getLogger(InboundProxy.class);
  private static final int BACKLOG = 1024;

  /** {@code ownPorts}: the proxy's listening ports, never a valid target. */
  public record Settings(Duration detectTimeout, int detectMaxBytes, Duration connectTimeout, Set<Integer> ownPorts) {}

  private final ActorSystem<?> system;
  private final TcpMetrics metrics;
  private final Settings settings;

  public InboundProxy(ActorSystem<?> system, TcpMetrics metrics, Settings settings) {
    this.system = system;
    this.metrics = metrics;
    this.settings = settings;
  }

  public CompletionStage<Tcp.ServerBinding> bind(InetSocketAddress listen) {
    OriginalDestination.Recorder originalDestinations = new OriginalDestination.Recorder();
    return Tcp.get(system).bind(listen.getHostString(), listen.getPort(), BACKLOG, List.of(originalDestinations), true,
            Optional.empty())
        .to(Sink.foreach(connection -> connection.handleWith(metrics.accepted("inbound",
            connection(connection.localAddress(), originalDestinations.take(connection.remoteAddress()))), system)))
        .run(system);
  }

  /** The flow of one connection that arrived at {@code local}, redirected from {@code original} if intercepted. */
  Flow<ByteString, ByteString, NotUsed> connection(InetSocketAddress local, Optional<InetSocketAddress> original) {
    return ProtocolDetection.flow(settings.detectTimeout(), settings.detectMaxBytes(), protocol -> switch (protocol) {
      case Protocol.Transport t -> toApplication(new InetSocketAddress(local.getAddress(), t.header().getPort()));
      default -> original.map(this::toApplication).orElseGet(() -> {
        log.debug("inbound connection to {} carries no transport header and has no original destination; closing", local);
        return Forwarding.refused();
      });
    });
  }

  private Flow<ByteString, ByteString, NotUsed> toApplication(InetSocketAddress target) {
    if (settings.ownPorts().contains(target.getPort())) {
      log.warn("inbound connection for {} would loop back into the proxy; closing", target);
      return Forwarding.refused();
    }
    return Forwarding.to(system, target, settings.connectTimeout());
  }
}
