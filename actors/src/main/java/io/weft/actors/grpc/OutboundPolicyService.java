package io.weft.actors.grpc;

import io.grpc.Status;
import io.linkerd.proxy.outbound.OutboundPolicies;
import io.linkerd.proxy.outbound.OutboundPolicy;
import io.linkerd.proxy.outbound.TrafficSpec;
import io.weft.actors.discovery.DestinationTarget;
import io.weft.actors.discovery.OutboundPolicyView;
import io.weft.protocol.net.TcpAddresses;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

import java.util.List;
import java.util.Optional;

/**
 * Linkerd's {@code OutboundPolicies} API: the policy of a Service port, named by its authority or
 * by its cluster IP and port, as it is now ({@code Get}) and after every change ({@code Watch}).
 * An address that is not a Service's is NOT_FOUND, as Linkerd's policy controller answers; the
 * proxy then routes it as addressed.
 */
public final class OutboundPolicyService implements OutboundPolicies {
  private final ActorSystem<?> system;
  private final DestinationService destination;
  private final OutboundPolicyView view;
  private final String clusterDomain;

  public OutboundPolicyService(ActorSystem<?> system, DestinationService destination, OutboundPolicyView view, String clusterDomain) {
    this.system = system;
    this.destination = destination;
    this.view = view;
    this.clusterDomain = clusterDomain;
  }

  @Override
  public java.util.concurrent.CompletionStage<OutboundPolicy> get(TrafficSpec in) {
    return watch(in).runWith(Sink.head(), system);
  }

  @Override
  public Source<OutboundPolicy, NotUsed> watch(TrafficSpec in) {
    DestinationTarget target;
    try {
      target = switch (in.getTargetCase()) {
        case AUTHORITY -> DestinationTarget.parse(in.getAuthority(), clusterDomain);
        case ADDR -> new DestinationTarget.Address(TcpAddresses.toInetAddress(in.getAddr().getIp()).getHostAddress(),
            in.getAddr().getPort());
        case TARGET_NOT_SET -> throw new IllegalArgumentException("the traffic spec names no target (authority or addr)");
      };
    } catch (IllegalArgumentException e) {
      return Source.failed(new GrpcServiceException(Status.INVALID_ARGUMENT.withDescription(e.getMessage())));
    }
    Source<DestinationTarget.ServicePort, NotUsed> service = switch (target) {
      case DestinationTarget.ServicePort s -> Source.single(s);
      case DestinationTarget.Address a -> Source.completionStage(destination.resolveIp(a)).map(r -> r.service()
          .map(s -> new DestinationTarget.ServicePort(s.namespace(), s.name(), a.port()))
          .orElseThrow(() -> new GrpcServiceException(Status.NOT_FOUND.withDescription(
              a.ip() + ":" + a.port() + " is not a Service's address"))));
    };
    return service.flatMapConcat(s -> destination.serviceInputs(s).map(inputs -> view.forService(s, inputs)))
        .statefulMap(() -> (OutboundPolicy) null,
            (last, next) -> Pair.create(next, next.equals(last) ? List.<OutboundPolicy>of() : List.of(next)),
            last -> Optional.<List<OutboundPolicy>>empty())
        .mapConcat(p -> p)
        .conflate((older, newer) -> newer);
  }
}
