package io.weft.proxy.control;

import com.typesafe.config.Config;
import io.linkerd.proxy.destination.Destination;
import io.linkerd.proxy.destination.DestinationProfile;
import io.linkerd.proxy.destination.GetDestination;
import io.linkerd.proxy.destination.Update;
import io.linkerd.proxy.identity.CertifyResponse;
import io.linkerd.proxy.identity.Identity;
import io.linkerd.proxy.inbound.InboundServerPolicies;
import io.linkerd.proxy.inbound.PortSpec;
import io.linkerd.proxy.inbound.Server;
import io.linkerd.proxy.outbound.OutboundPolicies;
import io.linkerd.proxy.outbound.OutboundPolicy;
import io.linkerd.proxy.outbound.TrafficSpec;
import io.weft.proxy.tcp.Dial;
import io.weft.proxy.tcp.Forwarding;
import io.weft.streams.http2.Http2Endpoint;
import io.weft.streams.http2.Http2Settings;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.stream.Materializer;
import org.apache.pekko.stream.javadsl.Source;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * The proxy's clients of the control plane's APIs (Linkerd's Destination, OutboundPolicies,
 * InboundServerPolicies and Identity), each a {@link GrpcClient} over one HTTP/2 connection of
 * Weft's own to the API's address. A connection that closes is made again by the next call, so a
 * long outage of the control plane needs no rebuilt client; one that silently stopped carrying
 * bytes (a restarted node behind a stale NAT entry, a black-holed route) is found by its HTTP/2
 * PINGs going unanswered, closed, and replaced, instead of holding the proxy's streams forever.
 */
public final class ControlPlaneClient {
  /** See the proxy's reference.conf, {@code weft.proxy.control-plane}. */
  public record Settings(Duration keepAliveInterval, Duration keepAliveTimeout, Duration requestTimeout,
                         Duration connectTimeout, int maxMessageBytes) {
    public static Settings from(Config config) {
      Config c = config.getConfig("weft.proxy.control-plane");
      return new Settings(c.getDuration("keep-alive-interval"), c.getDuration("keep-alive-timeout"),
          c.getDuration("request-timeout"), c.getDuration("connect-timeout"), (int) c.getBytes("max-message-size").longValue());
    }
  }

  private ControlPlaneClient() {}

  /** The Destination API at {@code address}. */
  public static Destination destination(ActorSystem<?> system, InetSocketAddress address) {
    GrpcClient grpc = connect(system, "destination", address);
    return new Destination() {
      @Override
      public Source<Update, NotUsed> get(GetDestination in) {
        return grpc.serverStreaming(method(Destination.name, "Get"), in, Update.parser());
      }

      @Override
      public Source<DestinationProfile, NotUsed> getProfile(GetDestination in) {
        return grpc.serverStreaming(method(Destination.name, "GetProfile"), in, DestinationProfile.parser());
      }
    };
  }

  /** Linkerd's OutboundPolicies API at {@code address}. */
  public static OutboundPolicies outboundPolicies(ActorSystem<?> system, InetSocketAddress address) {
    GrpcClient grpc = connect(system, "outbound policy", address);
    return new OutboundPolicies() {
      @Override
      public CompletionStage<OutboundPolicy> get(TrafficSpec in) {
        return grpc.unary(method(OutboundPolicies.name, "Get"), in, OutboundPolicy.parser(), Optional.empty());
      }

      @Override
      public Source<OutboundPolicy, NotUsed> watch(TrafficSpec in) {
        return grpc.serverStreaming(method(OutboundPolicies.name, "Watch"), in, OutboundPolicy.parser());
      }
    };
  }

  /** Linkerd's InboundServerPolicies API at {@code address}. */
  public static InboundServerPolicies inboundPolicies(ActorSystem<?> system, InetSocketAddress address) {
    GrpcClient grpc = connect(system, "inbound policy", address);
    return new InboundServerPolicies() {
      @Override
      public CompletionStage<Server> getPort(PortSpec in) {
        return grpc.unary(method(InboundServerPolicies.name, "GetPort"), in, Server.parser(), Optional.empty());
      }

      @Override
      public Source<Server, NotUsed> watchPort(PortSpec in) {
        return grpc.serverStreaming(method(InboundServerPolicies.name, "WatchPort"), in, Server.parser());
      }
    };
  }

  /**
   * The Identity API at {@code address}: a Certify that never answers must not stop renewals, so
   * each call has the request timeout as its deadline.
   */
  public static Identity identity(ActorSystem<?> system, InetSocketAddress address) {
    GrpcClient grpc = connect(system, "identity", address);
    Duration deadline = Settings.from(system.settings().config()).requestTimeout();
    return in -> grpc.unary(method(Identity.name, "Certify"), in, CertifyResponse.parser(), Optional.of(deadline));
  }

  private static GrpcClient connect(ActorSystem<?> system, String api, InetSocketAddress address) {
    Config config = system.settings().config();
    Settings settings = Settings.from(config);
    Http2Settings http2 = Http2Settings.from(config)
        .withPings(Optional.of(settings.keepAliveInterval()), Optional.of(settings.keepAliveTimeout()));
    Dial dial = Dial.within(settings.connectTimeout());
    String authority = address.getHostString() + ":" + address.getPort();
    Materializer materializer = Materializer.matFromSystem(system);
    Http2Endpoint endpoint = new Http2Endpoint(materializer, () -> Forwarding.connection(system, address, dial), http2,
        Optional.empty(), "the " + api + " API at " + authority);
    return new GrpcClient(endpoint, authority, settings.maxMessageBytes(), materializer);
  }

  private static String method(String service, String method) {
    return "/" + service + "/" + method;
  }
}
