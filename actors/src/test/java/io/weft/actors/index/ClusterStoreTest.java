package io.weft.actors.index;

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
    return new PodResource(meta("p1", rv, Map.of()), "10.0.0.1", "n", "sa", "Running", true, false, List.of(), null);
  }

  @Test
  void redeliveryOfTheSameResourceVersionChangesNothing() {
    ClusterStore store = new ClusterStore("cluster.local");
    var svc = new ServiceResource(meta("s", "1", Map.of()), "ClusterIP", "10.96.0.1", Map.of("a", "b"), List.of());
    var slice = new EndpointSliceResource(meta("s-x", "2", Map.of(EndpointSliceResource.SERVICE_NAME_LABEL, "s")), "s", "IPv4",
        List.of(), List.of(new EndpointSliceResource.Endpoint(List.of("10.0.0.1"), true, true, false, "p1", "", "")));
    store.apply(new ClusterEvent.Upserted(svc));
    store.apply(new ClusterEvent.Upserted(slice));
    var first = store.apply(new ClusterEvent.Upserted(pod("3")));
    assertThat(first.services()).containsExactly(new ClusterStore.Ref("ns", "s"));
    assertThat(first.pods()).containsExactly(new ClusterStore.Ref("ns", "p1"));

    var again = store.apply(new ClusterEvent.Upserted(pod("3")));
    assertThat(again.services()).isEmpty();
    assertThat(again.pods()).isEmpty();

    assertThat(store.apply(new ClusterEvent.Upserted(pod("4"))).services()).containsExactly(new ClusterStore.Ref("ns", "s"));
    assertThat(store.podByIp("10.0.0.1")).contains(new ClusterStore.Ref("ns", "p1"));
    assertThat(store.serviceByClusterIp("10.96.0.1")).contains(new ClusterStore.Ref("ns", "s"));

    // Once the slice no longer names the pod, pod changes no longer touch the service.
    store.apply(new ClusterEvent.Deleted(slice.key()));
    assertThat(store.apply(new ClusterEvent.Upserted(pod("5"))).services()).isEmpty();
    assertThat(store.apply(new ClusterEvent.Deleted(slice.key())).services()).isEmpty();
  }
}
