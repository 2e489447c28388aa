package io.weft.proxy.inbound;

import io.weft.proxy.tcp.Forwarding;
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
import java.util.Set;
import java.util.concurrent.CompletionStage;

/**
 * The inbound side (4143): what reaches this pod. A peer proxy's connection names the pod's
 * target port in its transport header; the proxy relays it to the application on that port of the
 * pod's address. A connection that would reach one of the proxy's own ports is refused (the loop
 * guard), and so, until interception supplies an original destination, is one without a header.
 */
public final class InboundProxy {
  private static final Logger log = LoggerFactory.getLogger(InboundProxy.class);

  /** {@code ownPorts}: the proxy's listening ports, never a valid target. */
  public record Settings(Duration detectTimeout, int detectMaxBytes, Duration connectTimeout, Set<Integer> ownPorts) {}

  private final ActorSystem<?> system;
  private final Settings settings;

  public InboundProxy(ActorSystem<?> system, Settings settings) {
    this.system = system;
    this.settings = settings;
  }

  public CompletionStage<Tcp.ServerBinding> bind(InetSocketAddress listen) {
    return Tcp.get(system).bind(listen.getHostString(), listen.getPort())
        .to(Sink.foreach(connection -> connection.handleWith(connection(connection.localAddress()), system)))
        .run(system);
  }

  /** The flow of one accepted connection, which arrived at {@code local}. */
  Flow<ByteString, ByteString, NotUsed> connection(InetSocketAddress local) {
    return ProtocolDetection.flow(settings.detectTimeout(), settings.detectMaxBytes(), protocol -> switch (protocol) {
      case Protocol.Transport t -> toApplication(new InetSocketAddress(local.getAddress(), t.header().getPort()));
      default -> {
        log.debug("inbound connection to {} carries no transport header and has no original destination; closing", local);
        yield Forwarding.refused();
      }
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
