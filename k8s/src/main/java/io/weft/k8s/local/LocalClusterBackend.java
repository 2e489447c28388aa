package io.weft.k8s.local;

import io.weft.k8s.ClusterBackend;
import io.weft.k8s.EventPublisher;
import io.weft.k8s.KnownState;
import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.ResourceKey;
import org.apache.pekko.NotUsed;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchService;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A cluster made from a directory of ordinary Kubernetes manifests, re-read whenever a file
 * changes. Each materialized stream runs its own reader thread.
 */
public final class LocalClusterBackend implements ClusterBackend {
  private static final Logger log = LoggerFactory.getLogger(LocalClusterBackend.class);

  /** How the local cluster behaves; see reference.conf {@code weft.local-cluster}. */
  /** {@code tokenKeyFile}: the key of the local cluster's service-account tokens (made when missing). */
  public record Settings(String controlPlaneNamespace, Duration rescanInterval, Duration settleDelay, int buffer,
                         Path tokenKeyFile) {}

  private final Path directory;
  private final Settings settings;
  private volatile List<ManifestProblem> problems = List.of();

  public LocalClusterBackend(Path directory, Settings settings) {
    if (!Files.isDirectory(directory)) {
      throw new IllegalArgumentException("local cluster directory " + directory + " does not exist or is not a directory");
    }
    this.directory = directory.toAbsolutePath().normalize();
    this.settings = settings;
  }

  @Override
  public io.weft.k8s.identity.LocalTokens tokenReviewer() {
    return io.weft.k8s.identity.LocalTokens.fromKeyFile(settings.tokenKeyFile());
  }

  @Override
  public String describe() {
    return "local cluster " + directory;
  }

  /** The problems of the latest read: each names its file, document and field. */
  public List<ManifestProblem> problems() {
    return problems;
  }

  @Override
  public Source<ClusterEvent, NotUsed> events() {
    return Source.lazySource(() -> {
      Reader reader = new Reader();
      return EventPublisher.source(settings.buffer(), 1,
          publisher -> Thread.ofPlatform().daemon().name("local-cluster").start(() -> reader.run(publisher)),
          reader::stop);
    }).mapMaterializedValue(f -> NotUsed.notUsed());
  }

  /** One stream's view of the directory; used only by its own thread. */
  private final class Reader {
    private final ManifestSet manifests = new ManifestSet();
    private final LocalClusterModel model = new LocalClusterModel(settings.controlPlaneNamespace());
    private final KnownState known = new KnownState();
    private final Map<Path, String> texts = new HashMap<>();
    private long resourceVersion = 0;
    private volatile WatchService watcher;

    void run(EventPublisher publisher) {
      try (WatchService ws = FileSystems.getDefault().newWatchService()) {
        watcher = ws;
        registerAll(ws);
        if (!publisher.publishAll(rescan()) || !publisher.publish(new ClusterEvent.Synced(describe()))) {
          return;
        }
        while (awaitChange(ws)) {
          if (!publisher.publishAll(rescan())) {
            return;
          }
        }
      } catch (InterruptedException | ClosedWatchServiceException e) {
        // the stream was cancelled
      } catch (IOException e) {
        log.error("local cluster {}: cannot watch the directory: {}", directory, e.getMessage());
      }
    }

    void stop() {
      WatchService ws = watcher;
      if (ws != null) {
        try {
          ws.close();
        } catch (IOException e) {
          log.debug("closing the watch of {}", directory, e);
        }
      }
    }

    /** Waits for a file event (or the rescan interval), then lets a burst of writes settle. */
    private boolean awaitChange(WatchService ws) throws InterruptedException, IOException {
      var key = ws.poll(settings.rescanInterval().toMillis(), TimeUnit.MILLISECONDS);
      if (key != null) {
        Thread.sleep(settings.settleDelay().toMillis()); // editors write a file in several steps
        do {
          key.pollEvents();
          key.reset();
        } while ((key = ws.poll()) != null);
        registerAll(ws); // new subdirectories
      }
      return true;
    }

    private void registerAll(WatchService ws) throws IOException {
      try (Stream<Path> dirs = Files.walk(directory)) {
        for (Path d : dirs.filter(Files::isDirectory).toList()) {
          d.register(ws, StandardWatchEventKinds.ENTRY_CREATE, StandardWatchEventKinds.ENTRY_MODIFY,
              StandardWatchEventKinds.ENTRY_DELETE);
        }
      }
    }

    /** Re-reads changed files; the events that take subscribers from the old state to the new one. */
    private List<ClusterEvent> rescan() throws IOException {
      List<Path> files;
      try (Stream<Path> walk = Files.walk(directory)) {
        files = walk.filter(Files::isRegularFile).filter(p -> p.toString().matches(".*\\.(ya?ml|json)$")).sorted().toList();
      }
      boolean changed = false;
      for (Path gone : new ArrayList<>(texts.keySet())) {
        if (!files.contains(gone)) {
          texts.remove(gone);
          manifests.remove(gone);
          changed = true;
        }
      }
      for (Path file : files) {
        String text;
        try {
          text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
          continue; // deleted between listing and reading; the next scan sees it gone
        }
        if (!text.equals(texts.put(file, text))) {
          changed = true;
          for (ManifestProblem p : manifests.load(file, text)) {
            log.warn("local cluster: {} (kept the last good version)", p);
          }
        }
      }
      problems = List.copyOf(manifests.problems());
      if (!changed) {
        return List.of();
      }
      Map<ResourceKey, KubeResource> objects = model.build(manifests.documents());
      List<KubeResource> versioned = new ArrayList<>(objects.size());
      for (KubeResource r : objects.values()) {
        versioned.add(known.get(r.key())
            .filter(old -> old.withResourceVersion("").equals(r))
            .orElseGet(() -> r.withResourceVersion(Long.toString(++resourceVersion))));
      }
      return known.replaceAll(versioned);
    }
  }
}
