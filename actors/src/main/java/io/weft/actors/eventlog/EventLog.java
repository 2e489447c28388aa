package io.weft.actors.eventlog;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import io.weft.k8s.model.ClusterEvent;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * Appends every input event, before the control plane acts on it, as one JSON line
 * ({@code {"at":..., "event":...}}) to {@code events-NNNNNN.jsonl} files rotated by size.
 * Written by one stream stage only.
 */
public final class EventLog implements AutoCloseable {
  public record Entry(Instant at, ClusterEvent event) {}

  /** See reference.conf {@code weft.control-plane.event-log}. */
  public record Settings(Path directory, long maxFileBytes, int maxFiles) {}

  static final ObjectMapper JSON = new ObjectMapper().registerModule(new JavaTimeModule())
      .disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS)
      .disable(SerializationFeature.WRITE_DURATIONS_AS_TIMESTAMPS);

  private final Settings settings;
  private final Clock clock;
  private BufferedWriter out;
  private long written;
  private int sequence;

  public EventLog(Settings settings, Clock clock) {
    this.settings = settings;
    this.clock = clock;
    try {
      Files.createDirectories(settings.directory());
      sequence = files(settings.directory()).stream().mapToInt(EventLog::sequenceOf).max().orElse(0);
      openNext();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot open the event log in " + settings.directory(), e);
    }
  }

  public void append(ClusterEvent event) {
    try {
      String line = JSON.writeValueAsString(new Entry(clock.instant(), event)) + "\n";
      if (written > 0 && written + line.length() > settings.maxFileBytes()) {
        out.close();
        openNext();
      }
      out.write(line);
      out.flush();
      written += line.getBytes(StandardCharsets.UTF_8).length;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot append to the event log in " + settings.directory(), e);
    }
  }

  private void openNext() throws IOException {
    sequence++;
    Path file = settings.directory().resolve(String.format("events-%06d.jsonl", sequence));
    out = Files.newBufferedWriter(file, StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    written = Files.size(file);
    List<Path> all = files(settings.directory());
    for (int i = 0; i < all.size() - settings.maxFiles(); i++) {
      Files.deleteIfExists(all.get(i));
    }
  }

  @Override
  public void close() throws IOException {
    out.close();
  }

  /** Every entry of a log directory (oldest file first) or of one file, in order. */
  public static List<Entry> read(Path dirOrFile) throws IOException {
    List<Path> sources = Files.isDirectory(dirOrFile) ? files(dirOrFile) : List.of(dirOrFile);
    List<Entry> entries = new ArrayList<>();
    for (Path file : sources) {
      int lineNumber = 0;
      for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
        lineNumber++;
        if (line.isBlank()) {
          continue;
        }
        try {
          entries.add(JSON.readValue(line, Entry.class));
        } catch (IOException e) {
          throw new IOException(file + " line " + lineNumber + ": not an event log entry: " + e.getMessage(), e);
        }
      }
    }
    return entries;
  }

  static List<Path> files(Path directory) throws IOException {
    try (Stream<Path> list = Files.list(directory)) {
      return list.filter(p -> p.getFileName().toString().matches("events-\\d{6}\\.jsonl")).sorted().toList();
    }
  }

  private static int sequenceOf(Path file) {
    String name = file.getFileName().toString();
    return Integer.parseInt(name.substring("events-".length(), name.length() - ".jsonl".length()));
  }
}
