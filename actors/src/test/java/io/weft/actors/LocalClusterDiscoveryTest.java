package io.weft.actors;

import io.linkerd.proxy.destination.DestinationClient;
import io.linkerd.proxy.destination.DestinationProfile;
import io.linkerd.proxy.destination.GetDestination;
import io.linkerd.proxy.destination.Update;
import io.linkerd.proxy.destination.WeightedAddr;
import io.weft.actors.discovery.DiscoverySettings;
import io.weft.actors.eventlog.EventLog;
import io.weft.actors.eventlog.Replay;
import io.weft.k8s.local.LocalClusterBackend;
import io.weft.protocol.net.TcpAddresses;
import org.apache.pekko.grpc.GrpcClientSettings;
import org.apache.pekko.stream.javadsl.Sink;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

class LocalClusterDiscoveryTest {
  private static final String AUTHORITY = "web-svc.emojivoto.svc.cluster.local:80";

  @TempDir Path manifests;
  @TempDir Path eventLog;
  private LocalClusterBackend backend;
  private ControlPlane controlPlane;

  static String app(int replicas, String servicePort) {
    return """
        apiVersion: v1
        kind: Namespace
        metadata:
          name: emojivoto
          annotations:
            linkerd.io/inject: enabled
        ---
        apiVersion: v1
        kind: Service
        metadata:
          name: web-svc
          namespace: emojivoto
        spec:
          selector:
            app: web-svc
          ports:
          - name: http
            port: %s
            targetPort: http
        ---
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: web
          namespace: emojivoto
        spec:
          replicas: %d
          selector:
            matchLabels:
              app: web-svc
          template:
            metadata:
              labels:
                app: web-svc
            spec:
              serviceAccountName: web
              containers:
              - name: web
                ports:
                - name: http
                  containerPort: 8080
        """.formatted(servicePort, replicas);
  }

  @BeforeEach
  void start() throws IOException {
    Files.writeString(manifests.resolve("emojivoto.yaml"), app(2, "80"));
    var config = TestConfigs.node(eventLog, true);
    backend = new LocalClusterBackend(manifests, ControlPlaneSettings.from(config).localCluster());
    controlPlane = ControlPlane.start(config, backend, Optional.empty());
  }

  @AfterEach
  void stop() {
    controlPlane.close();
  }

  @Test
  void editsStreamToOpenGetAndBrokenFilesKeepTheLastGoodState() throws IOException {
    try (DestinationWatch watch = new DestinationWatch(controlPlane.system(), controlPlane.destinationPort(), AUTHORITY)) {
      watch.awaitCount(2);
      WeightedAddr first = watch.endpoints().values().iterator().next();
      assertThat(first.getAddr().getPort()).isEqualTo(8080);
      assertThat(TcpAddresses.format(first.getAddr())).startsWith("127.0.");
      assertThat(first.getTlsIdentity().getDnsLikeIdentity().getName())
          .isEqualTo("web.emojivoto.serviceaccount.identity.linkerd.cluster.local");
      assertThat(first.getMetricLabelsMap()).containsEntry("deployment", "web").containsEntry("serviceaccount", "web")
          .containsEntry("namespace", "emojivoto").containsKey("pod");
      assertThat(first.getProtocolHint().hasH2()).isTrue();
      assertThat(watch.received().getFirst().getAdd().getMetricLabelsMap()).containsEntry("service", "web-svc");
      List<Checkpoint> checkpoints = new ArrayList<>();
      checkpoints.add(Checkpoint.of(watch));

      Files.writeString(manifests.resolve("emojivoto.yaml"), app(3, "80"));
      watch.awaitCount(3);
      checkpoints.add(Checkpoint.of(watch));
      int messagesBefore = watch.received().size();

      // A file that is not YAML, and a document with a bad field: both reported, nothing lost.
      Files.writeString(manifests.resolve("broken.yaml"), "kind: Service\n  metadata: [oops\n");
      Files.writeString(manifests.resolve("emojivoto.yaml"), app(3, "eighty"));
      await().atMost(DestinationWatch.PATIENCE).until(() -> backend.problems().size() == 2);
      assertThat(backend.problems()).extracting(Object::toString).anySatisfy(p ->
          assertThat(p).contains("broken.yaml document 1").contains("not valid YAML"));
      assertThat(backend.problems()).extracting(Object::toString).anySatisfy(p ->
          assertThat(p).contains("emojivoto.yaml document 2").contains("Service web-svc")
              .contains("spec.ports[0].port").contains("'eighty'"));

      // The service kept its last good port, so the stream still serves the 3 endpoints.
      try (DestinationWatch fresh = new DestinationWatch(controlPlane.system(), controlPlane.destinationPort(), AUTHORITY)) {
        fresh.awaitCount(3);
        assertThat(fresh.endpoints()).isEqualTo(watch.endpoints());
      }
      assertThat(watch.received()).hasSize(messagesBefore);

      // Scale to zero: the last Remove means no endpoints (the service still exists).
      Files.delete(manifests.resolve("broken.yaml"));
      Files.writeString(manifests.resolve("emojivoto.yaml"), app(0, "80"));
      watch.awaitCount(0);
      assertThat(watch.received().getLast().hasRemove()).isTrue();
      assertThat(backend.problems()).isEmpty();
      checkpoints.add(Checkpoint.of(watch));

      // Replaying the recorded log answers as the live stream did at each moment.
      List<EventLog.Entry> log = EventLog.read(eventLog);
      Replay replay = new Replay(DiscoverySettings.from(controlPlane.system().settings().config()));
      for (Checkpoint c : checkpoints) {
        assertThat(Checkpoint.endpointsOf(replay.getAt(log, c.at(), AUTHORITY))).isEqualTo(c.endpoints());
      }
      assertThat(replay.getAt(log, Instant.EPOCH, AUTHORITY).getFirst().getNoEndpoints().getExists()).isFalse();
    }
  }

  @Test
  void aPodWithAMalformedAddressIsRefusedAndTheServiceKeepsServingTheOthers() throws Exception {
    // Before: the one bad address failed Destination.Get for the Service with INTERNAL, for every subscriber.
    Files.writeString(manifests.resolve("emojivoto.yaml"), app(2, "80") + """
        ---
        apiVersion: v1
        kind: Pod
        metadata: {name: web-typo, namespace: emojivoto, labels: {app: web-svc}}
        spec: {containers: [{name: web, ports: [{name: http, containerPort: 8080}]}]}
        status: {podIP: 10.0.0.300, phase: Running, conditions: [{type: Ready, status: "True"}]}
        """);
    await().atMost(DestinationWatch.PATIENCE).until(() -> !backend.problems().isEmpty());
    assertThat(backend.problems()).extracting(Object::toString).singleElement().satisfies(p ->
        assertThat(p).contains("Pod web-typo").contains("status.podIP").contains("'10.0.0.300' is not an IP address"));
    try (DestinationWatch watch = new DestinationWatch(controlPlane.system(), controlPlane.destinationPort(), AUTHORITY)) {
      watch.awaitCount(2);
      assertThat(watch.endpoints().values()).allSatisfy(e -> assertThat(TcpAddresses.format(e.getAddr())).startsWith("127.0."));
    }
  }

  @Test
  void aFirstMessageLargeEnoughToBeCompressedReachesTheProxyWhole() throws IOException {
    // 120 endpoints make a first message of well over weft.discovery.compress-above: it goes out
    // gzipped (the client accepts gzip), the one-endpoint diff after it uncompressed.
    Files.writeString(manifests.resolve("emojivoto.yaml"), app(120, "80"));
    try (DestinationWatch watch = new DestinationWatch(controlPlane.system(), controlPlane.destinationPort(), AUTHORITY)) {
      watch.awaitCount(120);
      assertThat(watch.endpoints().values()).allSatisfy(a -> assertThat(a.getMetricLabelsMap()).containsEntry("deployment", "web"));
      Files.writeString(manifests.resolve("emojivoto.yaml"), app(121, "80"));
      watch.awaitCount(121);
    }
  }

  @Test
  void unknownServicesAndBadPathsAreAnsweredAsTheContractSays() throws Exception {
    try (DestinationWatch missing = new DestinationWatch(controlPlane.system(), controlPlane.destinationPort(),
        "nope.emojivoto.svc.cluster.local:80")) {
      missing.awaitNoEndpoints(false);
      // The service appears: the stream follows it.
      Files.writeString(manifests.resolve("nope.yaml"), app(1, "80").replace("web-svc", "nope").replace("name: web\n", "name: nope-web\n"));
      missing.awaitCount(1);
    }
    try (DestinationWatch bad = new DestinationWatch(controlPlane.system(), controlPlane.destinationPort(), "web-svc.emojivoto:80")) {
      await().atMost(DestinationWatch.PATIENCE).until(() -> bad.failure() != null);
      assertThat(bad.failure()).hasMessageContaining("INVALID_ARGUMENT").hasMessageContaining("not a service in this cluster");
    }
  }

  @Test
  void profilesCarryTheNameBudgetAndOpaqueness() throws Exception {
    var system = controlPlane.system();
    DestinationClient client = DestinationClient.create(
        GrpcClientSettings.connectToServiceAt("127.0.0.1", controlPlane.destinationPort(), system).withTls(false), system);
    try {
      DestinationProfile http = client.getProfile(GetDestination.newBuilder().setPath(AUTHORITY).build())
          .runWith(Sink.head(), system).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(http.getFullyQualifiedName()).isEqualTo("web-svc.emojivoto.svc.cluster.local");
      assertThat(http.getOpaqueProtocol()).isFalse();
      assertThat(http.getRetryBudget().getRetryRatio()).isEqualTo(0.2f);
      assertThat(http.getRetryBudget().getMinRetriesPerSecond()).isEqualTo(10);
      assertThat(http.getRetryBudget().getTtl().getSeconds()).isEqualTo(10);

      Files.writeString(manifests.resolve("profile.yaml"), """
          apiVersion: linkerd.io/v1alpha2
          kind: ServiceProfile
          metadata:
            name: web-svc.emojivoto.svc.cluster.local
            namespace: emojivoto
          spec:
            routes:
            - name: GET /api/vote
              condition: {method: GET, pathRegex: /api/vote}
              isRetryable: true
              timeout: 300ms
              responseClasses:
              - condition: {status: {min: 500, max: 599}}
                isFailure: true
            retryBudget: {retryRatio: 0.5, minRetriesPerSecond: 3, ttl: 20s}
          """);
      await().atMost(DestinationWatch.PATIENCE).until(() -> client.getProfile(GetDestination.newBuilder().setPath(AUTHORITY).build())
          .runWith(Sink.head(), system).toCompletableFuture().get(30, TimeUnit.SECONDS).getRoutesCount() == 1);
      DestinationProfile profiled = client.getProfile(GetDestination.newBuilder().setPath(AUTHORITY).build())
          .runWith(Sink.head(), system).toCompletableFuture().get(30, TimeUnit.SECONDS);
      var route = profiled.getRoutes(0);
      assertThat(route.getMetricsLabelsMap()).containsEntry("route", "GET /api/vote");
      assertThat(route.getIsRetryable()).isTrue();
      assertThat(route.getTimeout().getNanos()).isEqualTo(300_000_000);
      assertThat(route.getCondition().getAll().getMatchesList()).hasSize(2);
      assertThat(route.getResponseClasses(0).getIsFailure()).isTrue();
      assertThat(route.getResponseClasses(0).getCondition().getStatus().getMin()).isEqualTo(500);
      assertThat(profiled.getRetryBudget().getRetryRatio()).isEqualTo(0.5f);
      assertThat(profiled.getRetryBudget().getTtl().getSeconds()).isEqualTo(20);

      Files.writeString(manifests.resolve("emojivoto.yaml"), app(2, "3306"));
      String mysql = "web-svc.emojivoto.svc.cluster.local:3306";
      await().atMost(DestinationWatch.PATIENCE).until(() -> client.getProfile(GetDestination.newBuilder().setPath(mysql).build())
          .runWith(Sink.head(), system).toCompletableFuture().get(30, TimeUnit.SECONDS).getOpaqueProtocol());
    } finally {
      client.close();
    }
  }

  @Test
  void aServicesClusterIpHasTheServicesProfile() throws Exception {
    // What an intercepted connection's proxy asks for: the address it was going to.
    Files.writeString(manifests.resolve("emojivoto.yaml"), app(2, "80").replace("spec:\n  selector:\n    app: web-svc",
        "spec:\n  clusterIP: 10.96.7.7\n  selector:\n    app: web-svc") + """
        ---
        apiVersion: linkerd.io/v1alpha2
        kind: ServiceProfile
        metadata: {name: web-svc.emojivoto.svc.cluster.local, namespace: emojivoto}
        spec:
          routes:
          - name: GET /api/list
            condition: {method: GET, pathRegex: /api/list}
        """);
    var system = controlPlane.system();
    DestinationClient client = DestinationClient.create(
        GrpcClientSettings.connectToServiceAt("127.0.0.1", controlPlane.destinationPort(), system).withTls(false), system);
    try {
      await().atMost(DestinationWatch.PATIENCE).until(() -> client.getProfile(GetDestination.newBuilder().setPath("10.96.7.7:80").build())
          .runWith(Sink.head(), system).toCompletableFuture().get(30, TimeUnit.SECONDS).getRoutesCount() == 1);
      DestinationProfile byIp = client.getProfile(GetDestination.newBuilder().setPath("10.96.7.7:80").build())
          .runWith(Sink.head(), system).toCompletableFuture().get(30, TimeUnit.SECONDS);
      assertThat(byIp.getFullyQualifiedName()).isEqualTo("web-svc.emojivoto.svc.cluster.local");
      assertThat(byIp.getRoutes(0).getMetricsLabelsMap()).containsEntry("route", "GET /api/list");
      assertThat(byIp.hasEndpoint()).as("a Service's address is not one endpoint").isFalse();
    } finally {
      client.close();
    }
  }

  @Test
  void anAddressFollowsTheServiceThatTakesItAfterItsStreamBegan() throws Exception {
    // A proxy asked for the address before the Service existed (a Service created after its clients).
    try (DestinationWatch watch = new DestinationWatch(controlPlane.system(), controlPlane.destinationPort(), "10.96.8.8:80")) {
      watch.awaitAddresses(java.util.Set.of("10.96.8.8:80")); // nothing owns it: answered as itself
      Files.writeString(manifests.resolve("emojivoto.yaml"), app(2, "80").replace("spec:\n  selector:\n    app: web-svc",
          "spec:\n  clusterIP: 10.96.8.8\n  selector:\n    app: web-svc"));
      await().atMost(DestinationWatch.PATIENCE).until(() -> watch.endpoints().size() == 2
          && !watch.endpoints().containsKey("10.96.8.8:80"));
    }
  }

  /** What a live stream held at a moment. */
  record Checkpoint(Instant at, Map<String, WeightedAddr> endpoints) {
    static Checkpoint of(DestinationWatch watch) {
      return new Checkpoint(Instant.now(), watch.endpoints());
    }

    static Map<String, WeightedAddr> endpointsOf(List<Update> initial) {
      Map<String, WeightedAddr> out = new LinkedHashMap<>();
      initial.stream().filter(Update::hasAdd)
          .forEach(u -> u.getAdd().getAddrsList().forEach(a -> out.put(TcpAddresses.format(a.getAddr()), a)));
      return out;
    }
  }
}
