package io.weft.actors.index;

import io.weft.actors.state.ObjectRef;
import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.EndpointSliceResource;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.ResourceMeta;
import io.weft.k8s.model.ServiceResource;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;

class ClusterStoreTest {
  private static ResourceMeta meta(String name, String rv, Map<String, String> labels) {
    return new ResourceMeta("ns", name, "", rv, labels, Map.of());
  }

  private static PodResource pod(String rv) {
    return new PodResource(meta("p1", rv, Map.of()), "10.0.0.1", "n", "sa", "Running", true, false, List.of(), null, List.of());
  }

  @Test
  void redeliveryOfTheSameResourceVersionChangesNothing() {
    ClusterStore store = new ClusterStore("cluster.local");
    var svc = new ServiceResource(meta("s", "1", Map.of()), "ClusterIP", "10.96.0.1", Map.of("a", "b"), List.of());
    var slice = new EndpointSliceResource(meta("s-x", "2", Map.of(EndpointSliceResource.SERVICE_NAME_LABEL, "s")), "s", "IPv4",
        List.of(), List.of(new EndpointSliceResource.Endpoint(List.of("10.0.0.1"), true, true, false, "p1", "", "")));
    var ref = new ObjectRef("ns", "s");
    var sliceRef = new ObjectRef("ns", "s-x");
    store.apply(new ClusterEvent.Upserted(svc));
    var added = store.apply(new ClusterEvent.Upserted(slice));
    assertThat(added.services()).containsExactly(ref); // the Service gained a slice
    assertThat(added.slices()).containsExactly(sliceRef);
    assertThat(store.serviceState(ref).slices()).containsExactly("s-x");
    var first = store.apply(new ClusterEvent.Upserted(pod("3")));
    assertThat(first.slices()).containsExactly(sliceRef);
    assertThat(first.services()).isEmpty(); // the Service hears of its pods through its slices
    assertThat(first.pods()).containsExactly(new ObjectRef("ns", "p1"));
    assertThat(store.sliceState(sliceRef).pods()).containsOnlyKeys("p1");

    var again = store.apply(new ClusterEvent.Upserted(pod("3")));
    assertThat(again.slices()).isEmpty();
    assertThat(again.pods()).isEmpty();

    assertThat(store.apply(new ClusterEvent.Upserted(pod("4"))).slices()).containsExactly(sliceRef);
    assertThat(store.resolve("10.0.0.1").pod()).contains(new ObjectRef("ns", "p1"));
    assertThat(store.resolve("10.96.0.1").service()).contains(ref);

    // An endpoint's readiness is the slice's business alone: the Service's own state is untouched.
    var notReady = new EndpointSliceResource(meta("s-x", "6", Map.of(EndpointSliceResource.SERVICE_NAME_LABEL, "s")), "s", "IPv4",
        List.of(), List.of(new EndpointSliceResource.Endpoint(List.of("10.0.0.1"), false, true, false, "p1", "", "")));
    var readiness = store.apply(new ClusterEvent.Upserted(notReady));
    assertThat(readiness.slices()).containsExactly(sliceRef);
    assertThat(readiness.services()).isEmpty();

    // Once the slice is gone, pod changes no longer touch it, and the Service lost it.
    assertThat(store.apply(new ClusterEvent.Deleted(slice.key())).services()).containsExactly(ref);
    assertThat(store.serviceState(ref).slices()).isEmpty();
    assertThat(store.apply(new ClusterEvent.Upserted(pod("5"))).slices()).isEmpty();
    assertThat(store.apply(new ClusterEvent.Deleted(slice.key())).services()).isEmpty();
  }

  private static io.weft.k8s.model.RouteResource route(String name, String created, String rv, String... parents) {
    return new io.weft.k8s.model.RouteResource(meta(name, rv, Map.of()), io.weft.k8s.model.ResourceKind.HTTP_ROUTE, created,
        java.util.Arrays.stream(parents).map(p -> new io.weft.k8s.model.RouteResource.ParentRef("core", "Service", "ns", p, 0)).toList(),
        List.of(), List.of());
  }

  @Test
  void aRouteBelongsToTheServicesItsParentsName() {
    ClusterStore store = new ClusterStore("cluster.local");
    var a = new ObjectRef("ns", "a");
    var b = new ObjectRef("ns", "b");
    assertThat(store.apply(new ClusterEvent.Upserted(route("late", "2026-02-01T00:00:00Z", "1", "a"))).services()).containsExactly(a);
    assertThat(store.apply(new ClusterEvent.Upserted(route("early", "2026-01-01T00:00:00Z", "2", "a", "b"))).services())
        .containsExactlyInAnyOrder(a, b);
    assertThat(store.serviceState(a).routes()).as("oldest first, as Linkerd orders them")
        .extracting(r -> r.meta().name()).containsExactly("early", "late");
    assertThat(store.serviceInputs(b).routes()).extracting(r -> r.meta().name()).containsExactly("early");
    // Moving a route to another parent touches both; deleting it lets it go.
    assertThat(store.apply(new ClusterEvent.Upserted(route("early", "2026-01-01T00:00:00Z", "3", "b"))).services())
        .containsExactlyInAnyOrder(a, b);
    assertThat(store.serviceState(a).routes()).extracting(r -> r.meta().name()).containsExactly("late");
    assertThat(store.apply(new ClusterEvent.Deleted(route("early", "", "4").key())).services()).containsExactly(b);
    assertThat(store.serviceState(b).routes()).isEmpty();
  }
}
