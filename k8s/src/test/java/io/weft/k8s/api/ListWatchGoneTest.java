package io.weft.k8s.api;

import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServiceBuilder;
import io.fabric8.kubernetes.api.model.ServiceListBuilder;
import io.fabric8.kubernetes.api.model.StatusBuilder;
import io.fabric8.kubernetes.api.model.WatchEventBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.weft.k8s.decode.ManifestDecoder;
import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.ResourceKey;
import io.weft.k8s.model.ResourceKind;
import org.apache.pekko.actor.ActorSystem;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.SinkQueueWithCancel;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A watch answered with 410 Gone (its resourceVersion compacted away) must lead to a relist whose
 * difference from what was published is emitted: here the deletion that happened meanwhile.
 * The mock server is scripted: its CRUD mode never answers 410.
 */
class ListWatchGoneTest {
  private KubernetesMockServer server;
  private ActorSystem system;

  private static Service service(String name, String rv) {
    return new ServiceBuilder().withNewMetadata().withName(name).withNamespace("ns").withResourceVersion(rv).endMetadata()
        .withNewSpec().addNewPort().withName("http").withPort(80).endPort().endSpec().build();
  }

  @BeforeEach
  void start() {
    server = new KubernetesMockServer(false);
    server.init();
    system = ActorSystem.create("list-watch-gone");
  }

  @AfterEach
  void stop() {
    system.terminate();
    server.destroy();
  }

  @Test
  void goneLeadsToARelistThatEmitsWhatWasMissed() throws Exception {
    server.expect().get().withPath("/api/v1/services?limit=500")
        .andReturn(200, new ServiceListBuilder().withNewMetadata().withResourceVersion("10").endMetadata()
            .addToItems(service("a", "5"), service("b", "6")).build()).once();
    server.expect().get().withPath("/api/v1/services?allowWatchBookmarks=true&resourceVersion=10&watch=true")
        .andUpgradeToWebSocket().open()
        .immediately().andEmit(new WatchEventBuilder().withType("ERROR")
            .withObject(new StatusBuilder().withCode(410).withReason("Expired").withMessage("too old resource version").build()).build())
        .done().once();
    // After the relist: "a" is gone and "c" appeared while the watch was away.
    server.expect().get().withPath("/api/v1/services?limit=500")
        .andReturn(200, new ServiceListBuilder().withNewMetadata().withResourceVersion("20").endMetadata()
            .addToItems(service("b", "6"), service("c", "15")).build()).once();
    server.expect().get().withPath("/api/v1/services?allowWatchBookmarks=true&resourceVersion=20&watch=true")
        .andUpgradeToWebSocket().open().done().always();

    var settings = new KubeApiBackend.Settings(500, Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofHours(1), 64);
    try (KubeApiBackend backend = new KubeApiBackend(server.createClient().getConfiguration(), EnumSet.of(ResourceKind.SERVICE), settings)) {
      SinkQueueWithCancel<ClusterEvent> events = backend.events().runWith(Sink.queue(), system);
      assertThat(next(events)).isEqualTo(upsert("a", "5"));
      assertThat(next(events)).isEqualTo(upsert("b", "6"));
      assertThat(next(events)).isInstanceOf(ClusterEvent.Synced.class);
      // The watch's end is told (the diagnostics feed shows it), then the relist's difference.
      assertThat(next(events)).isEqualTo(new ClusterEvent.WatchRestarted("services", "expired (410 Gone)"));
      // Unchanged "b" is not repeated; the missed creation and deletion arrive.
      assertThat(next(events)).isEqualTo(upsert("c", "15"));
      assertThat(next(events)).isEqualTo(new ClusterEvent.Deleted(new ResourceKey(ResourceKind.SERVICE, "ns", "a")));
      events.cancel();
    }
  }

  /**
   * A cluster without the Gateway API's CRDs answers 404 for GRPCRoutes: none of them, and discovery
   * is not held up; once the CRD is installed its routes arrive without a restart.
   */
  @Test
  void aKindTheApiDoesNotServeCountsAsEmpty() throws Exception {
    server.expect().get().withPath("/api/v1/services?limit=500")
        .andReturn(200, new ServiceListBuilder().withNewMetadata().withResourceVersion("10").endMetadata()
            .addToItems(service("a", "5")).build()).always();
    server.expect().get().withPath("/api/v1/services?allowWatchBookmarks=true&resourceVersion=10&watch=true")
        .andUpgradeToWebSocket().open().done().always();
    // No GRPCRoute CRD at first (404), then it is installed with one route in it.
    String routes = "/apis/gateway.networking.k8s.io/v1/grpcroutes";
    server.expect().get().withPath(routes + "?limit=500").andReturn(404, "{}").once();
    server.expect().get().withPath(routes + "?limit=500").andReturn(200, """
        {"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GRPCRouteList", "metadata": {"resourceVersion": "30"},
         "items": [{"apiVersion": "gateway.networking.k8s.io/v1", "kind": "GRPCRoute",
                    "metadata": {"name": "items", "namespace": "ns", "resourceVersion": "29"},
                    "spec": {"parentRefs": [{"name": "a", "kind": "Service"}]}}]}
        """).always();
    server.expect().get().withPath(routes + "?allowWatchBookmarks=true&resourceVersion=30&watch=true")
        .andUpgradeToWebSocket().open().done().always();
    var settings = new KubeApiBackend.Settings(500, Duration.ofMillis(50), Duration.ofMillis(200), Duration.ofHours(1), 64);
    try (KubeApiBackend backend = new KubeApiBackend(server.createClient().getConfiguration(),
        EnumSet.of(ResourceKind.SERVICE, ResourceKind.GRPC_ROUTE), settings)) {
      SinkQueueWithCancel<ClusterEvent> events = backend.events().runWith(Sink.queue(), system);
      assertThat(next(events)).isEqualTo(upsert("a", "5"));
      assertThat(next(events)).isInstanceOf(ClusterEvent.Synced.class);
      // The services' watch here closes as soon as it opens: each restart is told, and changes nothing.
      ClusterEvent installed = next(events);
      while (installed instanceof ClusterEvent.WatchRestarted restarted) {
        assertThat(restarted.resources()).isEqualTo("services");
        installed = next(events);
      }
      assertThat(installed).isInstanceOf(ClusterEvent.Upserted.class);
      assertThat(((ClusterEvent.Upserted) installed).resource().key())
          .isEqualTo(new ResourceKey(ResourceKind.GRPC_ROUTE, "ns", "items"));
      events.cancel();
    }
  }

  private static ClusterEvent upsert(String name, String rv) throws Exception {
    JsonNode json = new ObjectMapper().valueToTree(service(name, rv));
    return new ClusterEvent.Upserted(ManifestDecoder.decode(ResourceKind.SERVICE, json));
  }

  private static ClusterEvent next(SinkQueueWithCancel<ClusterEvent> events) throws Exception {
    return events.pull().toCompletableFuture().get(30, TimeUnit.SECONDS).orElseThrow();
  }
}
