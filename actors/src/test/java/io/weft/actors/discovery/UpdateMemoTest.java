package io.weft.actors.discovery;

import io.linkerd.proxy.destination.Update;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;

class UpdateMemoTest {
  private static EndpointSnapshot snapshot(int endpoints) {
    TreeMap<String, EndpointInfo> map = new TreeMap<>();
    for (int i = 1; i <= endpoints; i++) {
      EndpointInfo e = new EndpointInfo("10.0." + (i / 256) + "." + (i % 256), 8080, 10_000, Map.of("pod", "p" + i), "", EndpointInfo.Hint.NONE, 0);
      map.put(e.address(), e);
    }
    return new EndpointSnapshot(true, Map.of("service", "web"), map);
  }

  @Test
  void answersAsUpdateDiffAndOncePerPairOfSnapshots() {
    UpdateMemo memo = new UpdateMemo(4);
    EndpointSnapshot before = snapshot(2);
    EndpointSnapshot after = snapshot(3);
    List<Update> first = memo.between(before, after);
    assertThat(first).isEqualTo(UpdateDiff.between(before, after));
    assertThat(memo.between(before, after)).isSameAs(first);
    assertThat(memo.initial(after)).isEqualTo(UpdateDiff.initial(after)).isSameAs(memo.initial(after));
    // Equal snapshots that are other objects are answered afresh, and still rightly.
    EndpointSnapshot equalBefore = snapshot(2);
    assertThat(memo.between(equalBefore, after)).isNotSameAs(first).isEqualTo(first);
  }

  @Test
  void streamsAskingAtTheSameMomentShareOneComputation() throws Exception {
    UpdateMemo memo = new UpdateMemo(4);
    EndpointSnapshot before = snapshot(2_000);
    EndpointSnapshot after = snapshot(2_001);
    int callers = 8;
    CountDownLatch start = new CountDownLatch(1);
    Set<Integer> answers = ConcurrentHashMap.newKeySet();
    ExecutorService pool = Executors.newFixedThreadPool(callers);
    try {
      List<Future<?>> done = new java.util.ArrayList<>();
      for (int i = 0; i < callers; i++) {
        done.add(pool.submit(() -> {
          start.await();
          answers.add(System.identityHashCode(memo.between(before, after)));
          return null;
        }));
      }
      start.countDown();
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    // One list object answered them all: it was computed once.
    assertThat(answers).hasSize(1);
  }
}
