package io.weft.k8s.api;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.fabric8.kubernetes.api.model.GenericKubernetesResource;
import io.fabric8.kubernetes.api.model.GenericKubernetesResourceList;
import io.fabric8.kubernetes.api.model.ListOptionsBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.Watch;
import io.fabric8.kubernetes.client.Watcher;
import io.fabric8.kubernetes.client.WatcherException;
import io.fabric8.kubernetes.client.dsl.MixedOperation;
import io.fabric8.kubernetes.client.dsl.Resource;
import io.fabric8.kubernetes.client.dsl.base.ResourceDefinitionContext;
import io.weft.k8s.EventPublisher;
import io.weft.k8s.KnownState;
import io.weft.k8s.decode.ManifestDecoder;
import io.weft.k8s.decode.ManifestException;
import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.KubeResource;
import io.weft.k8s.model.ResourceKey;
import io.weft.k8s.model.ResourceKind;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * List-then-watch of one kind. Every list is diffed against what was already published, so a
 * relist after a dropped watch or 410 Gone emits exactly the changes missed. The client must not
 * reconnect watches by itself (see {@link KubeApiBackend}): any watch that closes leads to a relist,
 * which is what makes missed deletions visible. All work runs on one thread per kind.
 */
final class ListWatch {
  private static final Logger log = LoggerFactory.getLogger(ListWatch.class);
  private static final ObjectMapper JSON = new ObjectMapper();

  private final KubernetesClient client;
  private final ResourceKind kind;
  private final EventPublisher publisher;
  private final KubeApiBackend.Settings settings;
  private final KnownState known = new KnownState();
  private final ScheduledExecutorService thread;
  private Watch watch;
  private long generation;
  private Duration backoff;
  private volatile boolean stopped;
  private Runnable onFirstList;
  private boolean notServedLogged;
  private static final int HTTP_NOT_FOUND = 404;

  /** {@code onFirstList} runs once, after the first list of this kind has been published and its watch opened. */
  ListWatch(KubernetesClient client, ResourceKind kind, EventPublisher publisher, KubeApiBackend.Settings settings,
            Runnable onFirstList) {
    this.onFirstList = onFirstList;
    this.client = client;
    this.kind = kind;
    this.publisher = publisher;
    this.settings = settings;
    this.backoff = settings.minBackoff();
    this.thread = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon().name("watch-" + kind.plural()).factory());
  }

  void start() {
    thread.execute(this::relist);
    // A periodic full relist repairs anything a watch may have missed without a visible error.
    long resync = settings.resyncInterval().toMillis();
    thread.scheduleWithFixedDelay(this::relist, resync, resync, TimeUnit.MILLISECONDS);
  }

  void stop() {
    stopped = true;
    thread.execute(this::closeWatch);
    thread.shutdown();
  }

  private MixedOperation<GenericKubernetesResource, GenericKubernetesResourceList, Resource<GenericKubernetesResource>> api() {
    return client.genericKubernetesResources(new ResourceDefinitionContext.Builder()
        .withGroup(kind.group()).withVersion(kind.version()).withKind(kind.kindName())
        .withPlural(kind.plural()).withNamespaced(kind.namespaced()).build());
  }

  private void relist() {
    if (stopped) {
      return;
    }
    closeWatch();
    long myGeneration = ++generation;
    try {
      List<KubeResource> items = new ArrayList<>();
      String continueToken = null;
      String resourceVersion;
      do {
        var options = new ListOptionsBuilder().withLimit(settings.pageSize()).withContinue(continueToken).build();
        GenericKubernetesResourceList page = kind.namespaced() ? api().inAnyNamespace().list(options) : api().list(options);
        // An object that no longer decodes is still there: it keeps its last good state.
        page.getItems().forEach(item -> decode(item).or(() -> known.get(keyOf(item))).ifPresent(items::add));
        continueToken = page.getMetadata().getContinue();
        resourceVersion = page.getMetadata().getResourceVersion();
      } while (continueToken != null && !continueToken.isEmpty());
      if (!publisher.publishAll(known.replaceKind(kind, items))) {
        stop();
        return;
      }
      var watchOptions = new ListOptionsBuilder().withResourceVersion(resourceVersion).withAllowWatchBookmarks(true).build();
      Watcher<GenericKubernetesResource> watcher = new Relay(myGeneration);
      watch = kind.namespaced() ? api().inAnyNamespace().watch(watchOptions, watcher) : api().watch(watchOptions, watcher);
      backoff = settings.minBackoff();
      log.debug("watching {} from resourceVersion {}", kind.plural(), resourceVersion);
      // Only now is the view both complete and kept current: what changes from here on is seen.
      if (onFirstList != null) {
        onFirstList.run();
        onFirstList = null;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (io.fabric8.kubernetes.client.KubernetesClientException e) {
      if (e.getCode() == HTTP_NOT_FOUND) {
        notServed();
      } else {
        listFailed(e);
      }
    } catch (RuntimeException e) {
      listFailed(e);
    }
  }

  private void listFailed(RuntimeException e) {
    log.warn("listing {} failed, retrying in {} ms: {}", kind.plural(), backoff.toMillis(), e.getMessage());
    scheduleRelist();
  }

  /**
   * The API does not serve this kind (its CRD, e.g. the Gateway API's, is not installed): there are
   * none of it, which counts as listed so discovery is not held up; it is looked for again after
   * the longest backoff, so a CRD installed later is picked up soon.
   */
  private void notServed() {
    if (!notServedLogged) {
      log.info("the API does not serve {}/{} {} (CRD not installed?); treating it as empty and looking again every {}",
          kind.group(), kind.version(), kind.plural(), settings.maxBackoff());
      notServedLogged = true;
    }
    try {
      if (!publisher.publishAll(known.replaceKind(kind, List.of()))) {
        stop();
        return;
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    if (onFirstList != null) {
      onFirstList.run();
      onFirstList = null;
    }
    if (!stopped) {
      thread.schedule(this::relist, settings.maxBackoff().toMillis(), TimeUnit.MILLISECONDS);
    }
  }

  private void scheduleRelist() {
    if (stopped) {
      return;
    }
    thread.schedule(this::relist, backoff.toMillis(), TimeUnit.MILLISECONDS);
    backoff = backoff.multipliedBy(2).compareTo(settings.maxBackoff()) > 0 ? settings.maxBackoff() : backoff.multipliedBy(2);
  }

  private void closeWatch() {
    if (watch != null) {
      watch.close();
      watch = null;
    }
  }

  private Optional<KubeResource> decode(GenericKubernetesResource item) {
    JsonNode json = JSON.valueToTree(item);
    try {
      return Optional.of(ManifestDecoder.decode(kind, json));
    } catch (ManifestException e) {
      // Keep whatever was published last for this object: known state is left untouched.
      log.warn("{} {}/{}: cannot read it, keeping its last good state: {}", kind.kindName(),
          item.getMetadata().getNamespace(), item.getMetadata().getName(), e.getMessage());
      return Optional.empty();
    }
  }

  private ResourceKey keyOf(GenericKubernetesResource item) {
    String namespace = item.getMetadata().getNamespace();
    return new ResourceKey(kind, namespace == null ? "" : namespace, item.getMetadata().getName());
  }

  private void onEvent(long forGeneration, Watcher.Action action, GenericKubernetesResource item) {
    if (forGeneration != generation || stopped) {
      return; // from a watch that a relist already replaced
    }
    try {
      Optional<ClusterEvent> event = switch (action) {
        case ADDED, MODIFIED -> decode(item).flatMap(known::upsert);
        case DELETED -> known.delete(keyOf(item));
        default -> Optional.empty(); // BOOKMARK: nothing changed; ERROR arrives as onClose
      };
      if (event.isPresent() && !publisher.publish(event.get())) {
        stop();
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private void onClosed(long forGeneration, WatcherException cause) {
    if (forGeneration != generation || stopped) {
      return;
    }
    String reason = cause != null && cause.isHttpGone() ? "expired (410 Gone)" : "dropped (" + (cause == null ? "closed" : cause.getMessage()) + ")";
    log.info("watch of {} {}; relisting", kind.plural(), reason);
    watch = null;
    try {
      publisher.publish(new ClusterEvent.WatchRestarted(kind.plural(), reason));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    scheduleRelist();
  }

  /** Hands the client's callbacks to this kind's thread. */
  private final class Relay implements Watcher<GenericKubernetesResource> {
    private final long forGeneration;

    Relay(long forGeneration) {
      this.forGeneration = forGeneration;
    }

    @Override
    public void eventReceived(Action action, GenericKubernetesResource resource) {
      if (!thread.isShutdown()) {
        thread.execute(() -> onEvent(forGeneration, action, resource));
      }
    }

    @Override
    public void onClose(WatcherException cause) {
      if (!thread.isShutdown()) {
        thread.execute(() -> onClosed(forGeneration, cause));
      }
    }

    @Override
    public void onClose() {
      if (!thread.isShutdown()) {
        thread.execute(() -> onClosed(forGeneration, null));
      }
    }
  }
}
