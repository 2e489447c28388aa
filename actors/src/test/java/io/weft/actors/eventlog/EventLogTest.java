package io.weft.actors.eventlog;

import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.NamespaceResource;
import io.weft.k8s.model.ResourceMeta;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Map;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

class EventLogTest {
  @TempDir Path dir;

  private static ClusterEvent event(int i) {
    return new ClusterEvent.Upserted(new NamespaceResource(new ResourceMeta("", "ns-" + i, "", Integer.toString(i), Map.of(), Map.of())));
  }

  @Test
  void rotatesBySizeKeepsTheNewestFilesAndReadsBackInOrder() throws IOException {
    Clock clock = Clock.fixed(Instant.parse("2026-11-24T10:00:00Z"), ZoneOffset.UTC);
    try (EventLog log = new EventLog(new EventLog.Settings(dir, 400, 3), clock)) {
      for (int i = 0; i < 20; i++) {
        log.append(event(i));
      }
    }
    var files = EventLog.files(dir);
    assertThat(files).hasSize(3);
    assertThat(files).allSatisfy(f -> assertThat(Files.size(f)).isLessThanOrEqualTo(400));
    var entries = EventLog.read(dir);
    assertThat(entries).isNotEmpty();
    assertThat(entries.getLast().event()).isEqualTo(event(19));
    assertThat(entries.getLast().at()).isEqualTo(clock.instant());
    // Oldest files were dropped, so what remains is a contiguous tail.
    int first = Integer.parseInt(((ClusterEvent.Change) entries.getFirst().event()).key().name().substring(3));
    assertThat(entries).hasSize(20 - first);
  }

  @Test
  void aCorruptLineIsReportedWithItsFileAndLine() throws IOException {
    Files.writeString(dir.resolve("events-000001.jsonl"), "{\"at\":\"2026-11-24T10:00:00Z\",\"event\":{}}\nnot json\n");
    assertThatThrownBy(() -> EventLog.read(dir)).hasMessageContaining("events-000001.jsonl line 1");
  }
}
