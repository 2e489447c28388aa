package io.weft.cli;

import io.weft.protocol.net.Authority;
import io.linkerd.proxy.destination.DestinationClient;
import io.linkerd.proxy.destination.DestinationProfile;
import io.linkerd.proxy.destination.GetDestination;
import io.linkerd.proxy.destination.Update;
import io.linkerd.proxy.outbound.OutboundPoliciesClient;
import io.linkerd.proxy.outbound.OutboundPolicy;
import io.linkerd.proxy.outbound.TrafficSpec;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/** Asks a control plane's Destination and OutboundPolicies APIs about a target: its endpoints, profile or outbound policy now (the first answer). */
final class DestinationQuery implements AutoCloseable {
  private final ActorSystem<?> system;
  private final DestinationClient client;
  private final GrpcClientSettings settings;
  private final Authority destination;
  private final Duration timeout;

  DestinationQuery(ActorSystem<?> system, Authority destination, Duration timeout) {
    this.system = system;
    this.destination = destination;
    this.timeout = timeout;
    this.settings = GrpcClientSettings.connectToServiceAt(destination.host(), destination.port(), system).withTls(false);
    this.client = DestinationClient.create(settings, system);
  }

  List<Update> initial(String authority) {
    return List.of(first(client.get(lookup(authority)), authority));
  }

  /** The target's profile as the control plane answers it now. */
  DestinationProfile profile(String authority) {
    return first(client.getProfile(lookup(authority)), authority);
  }

  /** The outbound policy of the Service {@code authority} (name or cluster IP and port), as the control plane serves it now. */
  OutboundPolicy outboundPolicy(String authority) {
    // Only this question needs the OutboundPolicies client: made for it, not for every query.
    OutboundPoliciesClient policies = OutboundPoliciesClient.create(settings, system);
    try {
      return first(policies.watch(TrafficSpec.newBuilder().setAuthority(authority).build()), authority);
    } finally {
      policies.close();
    }
  }

  /** The inbound policy of a pod's port, as the control plane serves it to that pod's proxy now. */
  io.linkerd.proxy.inbound.Server inboundPolicy(String namespace, String pod, int port) {
    io.linkerd.proxy.inbound.InboundServerPoliciesClient policies = io.linkerd.proxy.inbound.InboundServerPoliciesClient.create(settings, system);
    String workload = "{\"ns\":\"" + namespace + "\",\"pod\":\"" + pod + "\"}";
    try {
      return first(policies.watchPort(io.linkerd.proxy.inbound.PortSpec.newBuilder().setWorkload(workload).setPort(port).build()),
          namespace + "/" + pod + ":" + port);
    } finally {
      policies.close();
    }
  }

  private static GetDestination lookup(String authority) {
    return GetDestination.newBuilder().setScheme("k8s").setPath(authority).build();
  }

  private <T> T first(Source<T, NotUsed> answers, String authority) {
    try {
      return answers.runWith(Sink.head(), system).toCompletableFuture().get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("the destination service at " + destination + " did not answer for " + authority
          + " within " + timeout.toSeconds() + "s");
    } catch (ExecutionException e) {
      String reason = e.getCause().getMessage();
      if (reason != null && reason.startsWith("UNAVAILABLE")) {
        throw new IllegalStateException("cannot reach the destination service at " + destination
            + " (is a control plane running there? see --destination)");
      }
      throw new IllegalStateException("the destination service at " + destination + " refused " + authority + ": " + reason);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted");
    }
  }

  @Override
  public void close() {
    client.close();
  }
}
