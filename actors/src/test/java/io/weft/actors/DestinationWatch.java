package io.weft.actors;

import io.linkerd.proxy.destination.DestinationClient;
import io.linkerd.proxy.destination.GetDestination;
import io.linkerd.proxy.destination.Update;
import io.linkerd.proxy.destination.WeightedAddr;
import io.weft.protocol.net.TcpAddresses;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

import static org.awaitility.Awaitility.await;

/**
 * A real gRPC client of {@code Destination.Get} that applies updates the way a proxy does, so
 * tests can wait for the endpoint set a proxy would hold and inspect every message received.
 */
public final class DestinationWatch implements AutoCloseable {
  public static final Duration PATIENCE = Duration.ofSeconds(30);

  private final DestinationClient client;
  private final UniqueKillSwitch stream;
  private final List<Update> received = new ArrayList<>();
  private final Map<String, WeightedAddr> endpoints = new LinkedHashMap<>();
  private Boolean noEndpointsExists;
  private Throwable failure;

  public DestinationWatch(ActorSystem<?> system, int port, String path) {
    client = DestinationClient.create(GrpcClientSettings.connectToServiceAt("127.0.0.1", port, system).withTls(false), system);
    stream = client.get(GetDestination.newBuilder().setScheme("k8s").setPath(path).build())
        .viaMat(KillSwitches.single(), Keep.right())
        .to(Sink.foreach(this::apply).mapMaterializedValue(done -> done.whenComplete((d, e) -> failed(e))))
        .run(system);
  }

  private synchronized void apply(Update update) {
    received.add(update);
    switch (update.getUpdateCase()) {
      case ADD -> {
        noEndpointsExists = null;
        update.getAdd().getAddrsList().forEach(a -> endpoints.put(TcpAddresses.format(a.getAddr()), a));
      }
      case REMOVE -> update.getRemove().getAddrsList().forEach(a -> endpoints.remove(TcpAddresses.format(a)));
      case NO_ENDPOINTS -> {
        endpoints.clear();
        noEndpointsExists = update.getNoEndpoints().getExists();
      }
      default -> throw new AssertionError("empty update");
    }
  }

  private synchronized void failed(Throwable e) {
    failure = e;
  }

  public synchronized Map<String, WeightedAddr> endpoints() {
    return new LinkedHashMap<>(endpoints);
  }

  public synchronized List<Update> received() {
    return new ArrayList<>(received);
  }

  public synchronized Boolean noEndpointsExists() {
    return noEndpointsExists;
  }

  public synchronized Throwable failure() {
    return failure;
  }

  public void awaitAddresses(Set<String> addresses) {
    await().atMost(PATIENCE).until(() -> endpoints().keySet().equals(addresses));
  }

  public void awaitCount(int count) {
    await().atMost(PATIENCE).until(() -> endpoints().size() == count);
  }

  public void awaitNoEndpoints(boolean exists) {
    await().atMost(PATIENCE).until(() -> Boolean.valueOf(exists).equals(noEndpointsExists()));
  }

  @Override
  public void close() {
    stream.shutdown();
    client.close();
  }
}
