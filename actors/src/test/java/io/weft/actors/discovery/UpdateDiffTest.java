package io.weft.actors.discovery;

import io.linkerd.proxy.destination.Update;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import static org.assertj.core.api.Assertions.assertThat;

/** The Destination API's stream contract, message by message. */
class UpdateDiffTest {
  private static EndpointSnapshot of(String... ips) {
    TreeMap<String, EndpointInfo> endpoints = new TreeMap<>();
    for (String ip : ips) {
      EndpointInfo e = new EndpointInfo(ip, 8080, 10000, Map.of("pod", "p-" + ip), "", EndpointInfo.Hint.NONE, 0);
      endpoints.put(e.address(), e);
    }
    return new EndpointSnapshot(true, Map.of("service", "s"), endpoints);
  }

  @Test
  void firstMessageIsTheWholeStateOrNoEndpoints() {
    assertThat(UpdateDiff.initial(of("10.0.0.1", "10.0.0.2"))).singleElement()
        .satisfies(u -> assertThat(u.getAdd().getAddrsCount()).isEqualTo(2));
    assertThat(UpdateDiff.initial(of())).singleElement().satisfies(u -> assertThat(u.getNoEndpoints().getExists()).isTrue());
    assertThat(UpdateDiff.initial(EndpointSnapshot.MISSING)).singleElement()
        .satisfies(u -> assertThat(u.getNoEndpoints().getExists()).isFalse());
  }

  @Test
  void changesAreRemovesThenAddsOfOnlyWhatChanged() {
    List<Update> updates = UpdateDiff.between(of("10.0.0.1", "10.0.0.2"), of("10.0.0.2", "10.0.0.3"));
    assertThat(updates).hasSize(2);
    assertThat(updates.get(0).getRemove().getAddrsCount()).isEqualTo(1);
    assertThat(updates.get(1).getAdd().getAddrsCount()).isEqualTo(1);
    assertThat(UpdateDiff.between(of("10.0.0.1"), of("10.0.0.1"))).isEmpty();
  }

  @Test
  void removingTheLastEndpointIsARemoveAndDeletionIsNotExists() {
    assertThat(UpdateDiff.between(of("10.0.0.1"), of())).singleElement().satisfies(u -> assertThat(u.hasRemove()).isTrue());
    assertThat(UpdateDiff.between(of("10.0.0.1"), EndpointSnapshot.MISSING)).singleElement()
        .satisfies(u -> assertThat(u.getNoEndpoints().getExists()).isFalse());
    assertThat(UpdateDiff.between(EndpointSnapshot.MISSING, of())).singleElement()
        .satisfies(u -> assertThat(u.getNoEndpoints().getExists()).isTrue());
  }
}
