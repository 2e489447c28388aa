package io.weft.actors.grpc;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.grpc.Status;
import io.linkerd.proxy.inbound.InboundServerPolicies;
import io.linkerd.proxy.inbound.PortSpec;
import io.linkerd.proxy.inbound.Server;
import io.weft.actors.discovery.InboundPolicyView;
import io.weft.actors.entity.PodPolicyEntity;
import io.weft.actors.entity.Subscription;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import io.weft.actors.state.InboundPolicyInputs;
import io.weft.actors.state.ObjectRef;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.GrpcServiceException;
import org.apache.pekko.japi.Pair;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;

/**
 * Linkerd's {@code InboundServerPolicies} API: the policy of one port of one pod (its workload as
 * Linkerd's injector writes it, {@code {"ns":"…","pod":"…"}}), as it is now ({@code GetPort}) and
 * after every change to the pod, its namespace, its Servers, the policies, routes and rate limits
 * that target them and the authentications those require ({@code WatchPort}). Each stream follows
 * the pod's {@link PodPolicyEntity}, which assembles those inputs from the pod's Server entities;
 * the pure {@link InboundPolicyView} turns them into the port's answer, sent only when it changed.
 */
public final class InboundPolicyService implements InboundServerPolicies {
  private static final ObjectMapper JSON = new ObjectMapper();

  private final ActorSystem<?> system;
  private final ClusterSharding sharding;
  private final InboundPolicyView view;

  public InboundPolicyService(ActorSystem<?> system, InboundPolicyView view) {
    this.system = system;
    this.sharding = ClusterSharding.get(system);
    this.view = view;
  }

  @Override
  public CompletionStage<Server> getPort(PortSpec in) {
    return watchPort(in).runWith(Sink.head(), system);
  }

  @Override
  public Source<Server, NotUsed> watchPort(PortSpec in) {
    ObjectRef pod;
    try {
      pod = workload(in.getWorkload());
    } catch (IllegalArgumentException e) {
      return Source.failed(new GrpcServiceException(Status.INVALID_ARGUMENT.withDescription(e.getMessage())));
    }
    if (in.getPort() == 0 || in.getPort() > 65535) {
      return Source.failed(new GrpcServiceException(Status.INVALID_ARGUMENT.withDescription("port " + in.getPort() + " is outside 1-65535")));
    }
    Source<InboundPolicyInputs, NotUsed> inputs = Subscription.source(system, "inbound-policy-stream", replyTo ->
        sharding.entityRefFor(PodPolicyEntity.TYPE, pod.entityId()).tell(new PodPolicyEntity.Subscribe(replyTo)));
    return inputs
        .map(now -> {
          if (now.pod() == null) {
            throw new GrpcServiceException(Status.NOT_FOUND.withDescription("no pod " + pod.namespace() + "/" + pod.name()));
          }
          return view.forPort(now, in.getPort());
        })
        .statefulMap(() -> (Server) null,
            (last, next) -> Pair.create(next, next.equals(last) ? List.<Server>of() : List.of(next)),
            last -> Optional.<List<Server>>empty())
        .mapConcat(p -> p);
  }

  /** Linkerd's workload: {@code {"ns":"emojivoto","pod":"web-1"}}. */
  static ObjectRef workload(String text) {
    try {
      JsonNode json = JSON.readTree(text);
      String ns = json.path("ns").asText("");
      String name = json.path("pod").asText("");
      if (ns.isEmpty() || name.isEmpty()) {
        throw new IllegalArgumentException("the workload '" + text + "' names no ns and pod");
      }
      return new ObjectRef(ns, name);
    } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
      throw new IllegalArgumentException("the workload '" + text + "' is not JSON like {\"ns\":\"…\",\"pod\":\"…\"}");
    }
  }
}
