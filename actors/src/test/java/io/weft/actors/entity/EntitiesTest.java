package io.weft.actors.entity;

import com.typesafe.config.ConfigFactory;
import io.linkerd.proxy.destination.GetDestination;
import io.linkerd.proxy.destination.Update;
import io.weft.actors.TestConfigs;
import io.weft.actors.discovery.DiscoverySettings;
import io.weft.actors.discovery.EndpointSnapshot;
import io.weft.actors.discovery.EndpointView;
import io.weft.actors.eventlog.EventLog;
import io.weft.actors.eventlog.Replay;
import io.weft.actors.grpc.DestinationService;
import io.weft.actors.index.ResourceIndex;
import io.weft.actors.state.SliceState;
import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.EndpointSliceResource;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.ResourceMeta;
import io.weft.k8s.model.ServiceResource;
import io.weft.protocol.net.TcpAddresses;
import org.apache.pekko.Done;
import org.apache.pekko.actor.testkit.typed.javadsl.ActorTestKit;
import org.apache.pekko.actor.testkit.typed.javadsl.TestProbe;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.cluster.MemberStatus;
import org.apache.pekko.cluster.sharding.typed.javadsl.ClusterSharding;
import org.apache.pekko.cluster.sharding.typed.javadsl.Entity;
import org.apache.pekko.cluster.typed.Cluster;
import org.apache.pekko.cluster.typed.Join;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ConcurrentLinkedQueue;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The entities' protocols message by message, with Pekko's TestKit: a real resource index and real
 * sharded Service, EndpointSlice and Pod entities on a one-node cluster, probes as subscribers.
 */
class EntitiesTest {
  private static final Duration QUIET = Duration.ofMillis(500);
  private static ActorTestKit kit;
  private static ActorRef<ResourceIndex.Command> index;
  private static ClusterSharding sharding;
  private static DiscoverySettings settings;
  private static final List<EventLog.Entry> log = new ArrayList<>();

  @BeforeAll
  static void start() {
    var config = ConfigFactory.parseResources("weft-control-plane.conf").withFallback(TestConfigs.node(null, false)).resolve();
    kit = ActorTestKit.create("entities", config);
    Cluster cluster = Cluster.get(kit.system());
    cluster.manager().tell(Join.create(cluster.selfMember().address()));
    await().until(() -> cluster.selfMember().status() == MemberStatus.up());
    settings = DiscoverySettings.from(config);
    index = kit.spawn(ResourceIndex.create(settings.clusterDomain()), "index");
    EndpointView view = new EndpointView(settings);
    Duration idle = Duration.ofMinutes(2);
    sharding = ClusterSharding.get(kit.system());
    sharding.init(Entity.of(ServiceEntity.TYPE, ctx -> ServiceEntity.create(ctx, index, view, idle)));
    sharding.init(Entity.of(StateEntity.SLICE, ctx -> StateEntity.slice(ctx, index, idle)));
    sharding.init(Entity.of(PodEntity.TYPE, ctx -> PodEntity.create(ctx, index, view, idle)));
    sharding.init(Entity.of(StateEntity.SERVER, ctx -> StateEntity.server(ctx, index, idle)));
    sharding.init(Entity.of(PodPolicyEntity.TYPE, ctx -> PodPolicyEntity.create(ctx, index, idle)));
  }

  @AfterAll
  static void stop() {
    kit.shutdownTestKit();
  }

  /** Applies an event as the control plane does, recording it in the (in-memory) event log first. */
  private static void apply(ClusterEvent event) {
    synchronized (log) {
      log.add(new EventLog.Entry(Instant.ofEpochSecond(log.size() + 1), event));
    }
    TestProbe<Done> applied = kit.createTestProbe();
    index.tell(new ResourceIndex.Apply(event, applied.ref()));
    applied.expectMessage(Done.getInstance());
  }

  private static void upsert(KubeResource resource) {
    apply(new ClusterEvent.Upserted(resource));
  }

  private static Instant now() {
    synchronized (log) {
      return Instant.ofEpochSecond(log.size());
    }
  }

  private static ResourceMeta meta(String ns, String name, String rv, Map<String, String> labels) {
    return new ResourceMeta(ns, name, "", rv, labels, Map.of());
  }

  private static ServiceResource service(String ns, String name) {
    return new ServiceResource(meta(ns, name, "1", Map.of()), "ClusterIP", "",
        Map.of("app", name), List.of(new ServiceResource.ServicePort("http", 80, 8080, "", "TCP")));
  }

  private static PodResource pod(String ns, String name, String ip) {
    return new PodResource(meta(ns, name, "1", Map.of("app", "web", PodResource.CONTROL_PLANE_NS_LABEL, "linkerd")), ip, "node",
        "web", "Running", true, false, List.of(), new PodResource.WorkloadRef("Deployment", "web"), List.of());
  }

  private static EndpointSliceResource slice(String ns, String name, String service, String rv, Object... readyPodsAndIps) {
    List<EndpointSliceResource.Endpoint> endpoints = new ArrayList<>();
    for (int i = 0; i < readyPodsAndIps.length; i += 3) {
      endpoints.add(new EndpointSliceResource.Endpoint(List.of((String) readyPodsAndIps[i + 2]), (Boolean) readyPodsAndIps[i], true,
          false, (String) readyPodsAndIps[i + 1], "node", ""));
    }
    return new EndpointSliceResource(meta(ns, name, rv, Map.of(EndpointSliceResource.SERVICE_NAME_LABEL, service)), service, "IPv4",
        List.of(new EndpointSliceResource.EndpointPort("http", 8080, "TCP")), endpoints);
  }

  private static TestProbe<Delivery<EndpointSnapshot>> subscribeEndpoints(String serviceId, int port) {
    TestProbe<Delivery<EndpointSnapshot>> probe = kit.createTestProbe();
    sharding.entityRefFor(ServiceEntity.TYPE, serviceId).tell(new ServiceEntity.SubscribeEndpoints(port, probe.ref()));
    return probe;
  }

  private static Set<String> addresses(EndpointSnapshot snapshot) {
    return new TreeSet<>(snapshot.endpoints().keySet());
  }

  @Test
  void anEndpointsReadinessChangeTravelsThroughItsSliceEntityAndReachesEachSubscriberOnce() {
    upsert(service("shop", "web"));
    upsert(pod("shop", "web-1", "10.1.0.1"));
    upsert(pod("shop", "web-2", "10.1.0.2"));
    upsert(slice("shop", "web-a", "web", "1", true, "web-1", "10.1.0.1", true, "web-2", "10.1.0.2"));

    TestProbe<Delivery<SliceState>> sliceWatcher = kit.createTestProbe();
    sharding.entityRefFor(StateEntity.SLICE, "shop/web-a").tell(new StateEntity.Subscribe<>(sliceWatcher.ref()));
    assertThat(sliceWatcher.receiveMessage().value().pods()).containsOnlyKeys("web-1", "web-2");
    var first = subscribeEndpoints("shop/web", 80);
    var second = subscribeEndpoints("shop/web", 80);
    assertThat(addresses(first.receiveMessage().value())).containsExactly("10.1.0.1:8080", "10.1.0.2:8080");
    assertThat(addresses(second.receiveMessage().value())).containsExactly("10.1.0.1:8080", "10.1.0.2:8080");

    // web-2 stops being ready: its slice's entity hears it, then the Service's subscribers, once each.
    upsert(slice("shop", "web-a", "web", "2", true, "web-1", "10.1.0.1", false, "web-2", "10.1.0.2"));
    Delivery<SliceState> fromSlice = sliceWatcher.receiveMessage();
    assertThat(fromSlice.value().slice().endpoints()).extracting(EndpointSliceResource.Endpoint::ready).containsExactly(true, false);
    Delivery<EndpointSnapshot> update = first.receiveMessage();
    assertThat(addresses(update.value())).containsExactly("10.1.0.1:8080");
    assertThat(addresses(second.receiveMessage().value())).containsExactly("10.1.0.1:8080");
    first.expectNoMessage(QUIET);
    second.expectNoMessage(QUIET);
    sliceWatcher.expectNoMessage(Duration.ZERO);

    // A pod change behind the slice (a new label) reaches the Service through the slice too.
    upsert(new PodResource(meta("shop", "web-1", "2", Map.of("app", "web", PodResource.CONTROL_PLANE_NS_LABEL, "linkerd",
        "pod-template-hash", "abc")), "10.1.0.1", "node", "web", "Running", true, false, List.of(),
        new PodResource.WorkloadRef("Deployment", "web"), List.of()));
    assertThat(sliceWatcher.receiveMessage().value().pods().get("web-1").meta().labels()).containsEntry("pod-template-hash", "abc");
    assertThat(first.receiveMessage().value().endpoints().get("10.1.0.1:8080").labels()).containsEntry("pod_template_hash", "abc");
    first.expectNoMessage(QUIET);
  }

  @Test
  void aServiceWaitsForEverySliceBeforeItPublishesSoNoSubscriberSeesAPartialSet() {
    upsert(service("shop", "api"));
    upsert(slice("shop", "api-a", "api", "1", true, "", "10.2.0.1"));
    var subscriber = subscribeEndpoints("shop/api", 80);
    assertThat(addresses(subscriber.receiveMessage().value())).containsExactly("10.2.0.1:8080");

    // A second slice joins: one update with both slices' endpoints, never one without the new slice's.
    upsert(slice("shop", "api-b", "api", "1", true, "", "10.2.0.2", true, "", "10.2.0.3"));
    assertThat(addresses(subscriber.receiveMessage().value())).containsExactly("10.2.0.1:8080", "10.2.0.2:8080", "10.2.0.3:8080");
    subscriber.expectNoMessage(QUIET);

    // It leaves again: its endpoints go with it.
    apply(new ClusterEvent.Deleted(slice("shop", "api-a", "api", "1").key()));
    assertThat(addresses(subscriber.receiveMessage().value())).containsExactly("10.2.0.2:8080", "10.2.0.3:8080");
    subscriber.expectNoMessage(QUIET);
  }

  @Test
  void aSubscriptionFollowsItsEntityWhenThatEntityStopsAndEndsWithItsOutput() {
    TestProbe<ActorRef<Delivery<String>>> subscribeRequests = kit.createTestProbe();
    TestProbe<String> output = kit.createTestProbe();
    ActorRef<Subscription.Command<String>> subscription = kit.spawn(
        Subscription.create(replyTo -> subscribeRequests.ref().tell(replyTo), output.ref()));

    ActorRef<Delivery<String>> replyTo = subscribeRequests.receiveMessage();
    TestProbe<Object> entity = kit.createTestProbe();
    replyTo.tell(new Delivery<>(entity.ref(), "first"));
    output.expectMessage("first");
    replyTo.tell(new Delivery<>(entity.ref(), "second"));
    output.expectMessage("second");
    subscribeRequests.expectNoMessage(Duration.ZERO);

    // The incarnation that answered stops (passivated, or its node left): the subscription asks again.
    entity.stop();
    ActorRef<Delivery<String>> again = subscribeRequests.receiveMessage();
    TestProbe<Object> moved = kit.createTestProbe();
    again.tell(new Delivery<>(moved.ref(), "from the new incarnation"));
    output.expectMessage("from the new incarnation");

    // Its stream is gone: it stops too.
    TestProbe<Object> watcher = kit.createTestProbe();
    output.stop();
    watcher.expectTerminated(subscription);
  }

  @Test
  void replayAnswersAsTheLiveServiceDidAtEachMomentOfALogWithReadinessChanges() {
    DestinationService live = new DestinationService(kit.system(), index, settings, Duration.ofSeconds(5));
    String authority = "cart.shop.svc.cluster.local:80";
    upsert(service("shop", "cart"));
    upsert(pod("shop", "cart-1", "10.3.0.1"));
    upsert(pod("shop", "cart-2", "10.3.0.2"));
    upsert(slice("shop", "cart-a", "cart", "1", true, "cart-1", "10.3.0.1", false, "cart-2", "10.3.0.2"));
    ConcurrentLinkedQueue<Update> received = new ConcurrentLinkedQueue<>();
    var stream = live.get(GetDestination.newBuilder().setPath(authority).build())
        .runWith(Sink.foreach(received::add), kit.system());

    List<Instant> moments = new ArrayList<>();
    List<Set<String>> liveAt = new ArrayList<>();
    Runnable checkpoint = () -> {
      moments.add(now());
      liveAt.add(Set.copyOf(endpointsOf(received)));
    };
    await().until(() -> endpointsOf(received).equals(Set.of("10.3.0.1:8080")));
    checkpoint.run();
    upsert(slice("shop", "cart-a", "cart", "2", true, "cart-1", "10.3.0.1", true, "cart-2", "10.3.0.2"));
    await().until(() -> endpointsOf(received).equals(Set.of("10.3.0.1:8080", "10.3.0.2:8080")));
    checkpoint.run();
    upsert(slice("shop", "cart-a", "cart", "3", false, "cart-1", "10.3.0.1", true, "cart-2", "10.3.0.2"));
    await().until(() -> endpointsOf(received).equals(Set.of("10.3.0.2:8080")));
    checkpoint.run();
    upsert(slice("shop", "cart-a", "cart", "4", false, "cart-1", "10.3.0.1", false, "cart-2", "10.3.0.2"));
    await().until(() -> endpointsOf(received).isEmpty() && !received.isEmpty());
    checkpoint.run();

    Replay replay = new Replay(settings);
    List<EventLog.Entry> recorded;
    synchronized (log) {
      recorded = List.copyOf(log);
    }
    for (int i = 0; i < moments.size(); i++) {
      List<Update> initial = replay.getAt(recorded, moments.get(i), authority);
      assertThat(endpointsOf(initial)).as("replay at checkpoint %d", i).isEqualTo(liveAt.get(i));
    }
    assertThat(stream.toCompletableFuture().isDone()).isFalse();
  }

  /** The endpoints a sequence of updates leaves a proxy with. */
  private static Set<String> endpointsOf(Iterable<Update> updates) {
    Set<String> endpoints = new TreeSet<>();
    for (Update u : updates) {
      switch (u.getUpdateCase()) {
        case ADD -> u.getAdd().getAddrsList().forEach(a -> endpoints.add(TcpAddresses.format(a.getAddr())));
        case REMOVE -> u.getRemove().getAddrsList().forEach(a -> endpoints.remove(TcpAddresses.format(a)));
        case NO_ENDPOINTS -> endpoints.clear();
        default -> { }
      }
    }
    return endpoints;
  }

  private static KubeResource manifest(String yaml) throws Exception {
    com.fasterxml.jackson.databind.JsonNode json = new com.fasterxml.jackson.databind.ObjectMapper(
        new com.fasterxml.jackson.dataformat.yaml.YAMLFactory()).readTree(yaml);
    return io.weft.k8s.decode.ManifestDecoder.decode(io.weft.k8s.decode.ManifestDecoder.kindOf(json).orElseThrow(), json);
  }

  @Test
  void aPodsPolicyEntityAssemblesWhatItsServersEntitiesHold() throws Exception {
    upsert(new PodResource(meta("books", "authors-1", "1", Map.of("app", "authors")), "10.2.0.1", "node", "authors", "Running", true,
        false, List.of(new PodResource.ContainerPort("service", 7001, "TCP")), null, List.of()));
    TestProbe<Delivery<io.weft.actors.state.InboundPolicyInputs>> proxy = kit.createTestProbe();
    sharding.entityRefFor(PodPolicyEntity.TYPE, "books/authors-1").tell(new PodPolicyEntity.Subscribe(proxy.ref()));
    assertThat(proxy.receiveMessage().value().servers()).as("no Server yet").isEmpty();

    // A Server selecting the pod: the pod's entity subscribes to its entity and passes on what it holds.
    upsert(manifest("""
        apiVersion: policy.linkerd.io/v1beta3
        kind: Server
        metadata: {name: authors, namespace: books, resourceVersion: "1"}
        spec: {podSelector: {matchLabels: {app: authors}}, port: service, proxyProtocol: HTTP/1}
        """));
    assertThat(proxy.receiveMessage().value().servers()).extracting(srv -> srv.meta().name()).containsExactly("authors");

    // A route on that Server and the policy aimed at it reach the pod through the Server's entity.
    upsert(manifest("""
        apiVersion: policy.linkerd.io/v1beta3
        kind: HTTPRoute
        metadata: {name: authors-get-route, namespace: books, resourceVersion: "1"}
        spec:
          parentRefs: [{name: authors, kind: Server, group: policy.linkerd.io}]
          rules: [{matches: [{path: {value: /authors.json}, method: GET}]}]
        """));
    upsert(manifest("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: MeshTLSAuthentication
        metadata: {name: books, namespace: books, resourceVersion: "1"}
        spec: {identities: ["books.books.serviceaccount.identity.linkerd.cluster.local"]}
        """));
    upsert(manifest("""
        apiVersion: policy.linkerd.io/v1alpha1
        kind: AuthorizationPolicy
        metadata: {name: allow-books, namespace: books, resourceVersion: "1"}
        spec:
          targetRef: {group: policy.linkerd.io, kind: HTTPRoute, name: authors-get-route}
          requiredAuthenticationRefs: [{group: policy.linkerd.io, kind: MeshTLSAuthentication, name: books}]
        """));
    await().untilAsserted(() -> {
      io.weft.actors.state.InboundPolicyInputs inputs = proxy.receiveMessage().value();
      assertThat(inputs.routes()).extracting(r -> r.meta().name()).containsExactly("authors-get-route");
      assertThat(inputs.policies()).extracting(p -> p.meta().name()).containsExactly("allow-books");
      assertThat(inputs.meshAuthentications()).extracting(m -> m.meta().name()).containsExactly("books");
    });

    // Relabelled out of the Server's selector: the pod lets go of that Server.
    upsert(new PodResource(meta("books", "authors-1", "2", Map.of("app", "writers")), "10.2.0.1", "node", "authors", "Running", true,
        false, List.of(new PodResource.ContainerPort("service", 7001, "TCP")), null, List.of()));
    await().untilAsserted(() -> assertThat(proxy.receiveMessage().value().servers()).isEmpty());
  }
}
