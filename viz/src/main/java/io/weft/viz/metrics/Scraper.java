package io.weft.viz.metrics;

import io.weft.k8s.model.PodResource;
import io.weft.protocol.admin.PrometheusSamples;
import io.weft.viz.inventory.Inventory;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.model.HttpRequest;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.stream.Collectors;

/**
 * Scrapes every meshed pod's proxy (its admin port's /metrics) once per interval, as Linkerd's
 * Prometheus does, keeping the families viz reads in the {@link MetricHistory}. A proxy that does
 * not answer in time is skipped for that round.
 */
public final class Scraper implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Scraper.class);
  /** The families viz reads: the golden metrics, TCP, and per-route. */
  private static final List<String> KEPT = List.of("request_total", "response_total", "response_latency_ms_bucket",
      "tcp_open_connections", "tcp_read_bytes_total", "tcp_write_bytes_total", "route_", "outbound_http_route_",
      "outbound_grpc_route_");

  /** {@code parallelism}: proxies scraped at once. */
  public record Settings(Duration interval, Duration timeout, int adminPort, int parallelism) {}

  private final ActorSystem<?> system;
  private final Http http;
  private final Settings settings;
  private final LongSupplier clock;
  private final MetricHistory history;
  private final UniqueKillSwitch stop;

  public Scraper(ActorSystem<?> system, Inventory inventory, MetricHistory history, Settings settings, LongSupplier clock) {
    this.system = system;
    this.http = Http.get(system);
    this.settings = settings;
    this.clock = clock;
    this.history = history;
    this.stop = Source.tick(Duration.ZERO, settings.interval(), "round")
        .viaMat(KillSwitches.single(), Keep.right())
        .mapConcat(round -> {
          List<PodResource> pods = inventory.current().meshedPods();
          history.retain(pods.stream().map(PodResource::key).collect(Collectors.toSet()));
          return pods;
        })
        .mapAsyncUnordered(settings.parallelism(), pod -> scrape(pod).thenApply(scrape -> scrape.map(s -> {
          history.record(pod.key(), s);
          return s;
        })))
        .toMat(Sink.ignore(), Keep.left())
        .run(system);
  }

  /** One scrape of {@code pod}'s proxy, or nothing if it did not answer in time. */
  private CompletionStage<Optional<Scrape>> scrape(PodResource pod) {
    long sent = clock.getAsLong();
    String uri = "http://" + hostLiteral(pod.podIP()) + ":" + settings.adminPort() + "/metrics";
    return http.singleRequest(HttpRequest.GET(uri))
        .thenCompose(response -> response.entity().toStrict(settings.timeout().toMillis(), system))
        .thenApply(body -> {
          long received = clock.getAsLong();
          List<PrometheusSamples.Sample> kept = PrometheusSamples.parse(body.getData().decodeString(StandardCharsets.UTF_8))
              .stream().filter(s -> KEPT.stream().anyMatch(s.name()::startsWith)).toList();
          // The moment the proxy wrote it is somewhere in between; the middle errs least.
          return Optional.of(new Scrape(sent + (received - sent) / 2, kept));
        })
        .toCompletableFuture()
        .orTimeout(settings.timeout().toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
        .exceptionally(error -> {
          log.debug("no metrics from the proxy of {} at {}: {}", pod.key(), uri, error.toString());
          return Optional.empty();
        });
  }

  private static String hostLiteral(String ip) {
    return ip.contains(":") ? "[" + ip + "]" : ip;
  }

  /**
   * Stops scraping and closes the connection pools the scrapes used, waiting (at most a scrape's
   * timeout) until they have: a system terminated around a live pool logs it as an error.
   */
  @Override
  public void close() {
    stop.shutdown();
    try {
      http.shutdownAllConnectionPools().toCompletableFuture().get(settings.timeout().toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (ExecutionException | TimeoutException e) {
      log.debug("the scrapes' connection pools did not close in {}: {}", settings.timeout(), e.toString());
    }
  }
}
