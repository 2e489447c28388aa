package io.weft.viz;

import com.typesafe.config.Config;
import io.weft.k8s.model.ClusterEvent;
import io.weft.k8s.model.PodResource;
import io.weft.protocol.identity.MeshIdentity;
import io.weft.proxy.identity.MeshTls;
import io.weft.viz.api.VizApi;
import io.weft.viz.api.VizJson;
import org.apache.pekko.http.javadsl.model.ws.Message;
import org.apache.pekko.http.javadsl.model.ws.TextMessage;
import org.apache.pekko.http.javadsl.model.ws.WebSocketRequest;
import io.weft.viz.api.VizServer;
import io.weft.viz.inventory.Inventory;
import io.weft.viz.metrics.MetricHistory;
import io.weft.viz.metrics.MetricSource;
import io.weft.viz.metrics.PrometheusSource;
import io.weft.viz.metrics.Scraper;
import io.weft.viz.query.Edge;
import io.weft.viz.query.EdgeQuery;
import io.weft.viz.query.ResourceRef;
import io.weft.viz.query.RouteQuery;
import io.weft.viz.query.RouteRow;
import io.weft.viz.query.StatQuery;
import io.weft.viz.query.StatRequest;
import io.weft.viz.query.StatRow;
import io.weft.viz.query.VizKind;
import io.weft.viz.tap.TapFanout;
import io.weft.viz.tap.TapQuery;
import io.weft.viz.tap.TapView;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.stream.javadsl.Source;

import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * The viz service (Linkerd's metrics API, tap API and web, in one): it follows the cluster's pods,
 * scrapes their proxies (or asks the Prometheus that does), answers stat, edges and routes from
 * their metrics, fans tap out to the
 * proxies with the tap service's identity, and serves all of it, and the dashboard, over HTTP.
 */
public final class VizService implements VizApi, AutoCloseable {
  /** How long one message of the control plane's feed may take to arrive whole. */
  private static final Duration FEED_MESSAGE_TIMEOUT = Duration.ofSeconds(10);
  /** {@code weft.viz} settings. */
  public record Settings(String listenInterface, int port, Duration scrapeInterval, Duration scrapeTimeout,
                         int scrapeParallelism, Duration retention, int proxyAdminPort, int proxyTapPort,
                         String controlPlaneNamespace, String trustDomain, String clusterDomain, String controlPlaneAdmin,
                         String prometheus) {
    public static Settings from(Config config) {
      Config c = config.getConfig("weft.viz");
      return new Settings(c.getString("interface"), c.getInt("port"), c.getDuration("scrape.interval"),
          c.getDuration("scrape.timeout"), c.getInt("scrape.parallelism"), c.getDuration("retention"),
          c.getInt("proxy-admin-port"), c.getInt("proxy-tap-port"), c.getString("control-plane-namespace"),
          c.getString("trust-domain"), c.getString("cluster-domain"), c.getString("control-plane-admin"),
          c.getString("prometheus-url"));
    }
  }

  private final ActorSystem<?> system;
  private final Settings settings;
  private final Inventory inventory;
  private final MetricHistory history;
  private final MetricSource metrics;
  private final Optional<Scraper> scraper;
  private final Optional<TapFanout> taps;
  private volatile ServerBinding binding;

  private VizService(ActorSystem<?> system, Settings settings, Inventory inventory, MetricHistory history, MetricSource metrics,
                     Optional<Scraper> scraper, Optional<TapFanout> taps) {
    this.system = system;
    this.settings = settings;
    this.inventory = inventory;
    this.history = history;
    this.metrics = metrics;
    this.scraper = scraper;
    this.taps = taps;
  }

  /**
   * Starts following {@code cluster} and scraping; {@code tapIdentity}: the tap service's mesh TLS
   * (without it, tap is refused). Serves nothing until {@link #serve()}.
   */
  public static VizService start(ActorSystem<?> system, Source<ClusterEvent, ?> cluster, Optional<MeshTls> tapIdentity,
                                 Settings settings) {
    Inventory inventory = new Inventory(system, cluster);
    MetricHistory history = new MetricHistory(settings.retention());
    // With a Prometheus, it holds the proxies' metrics; without, this service scrapes them itself.
    boolean prometheus = !settings.prometheus().isBlank();
    MetricSource metrics = prometheus ? new PrometheusSource(java.net.URI.create(settings.prometheus()), settings.scrapeTimeout())
        : history;
    Optional<Scraper> scraper = prometheus ? Optional.empty() : Optional.of(new Scraper(system, inventory, history,
        new Scraper.Settings(settings.scrapeInterval(), settings.scrapeTimeout(), settings.proxyAdminPort(),
            settings.scrapeParallelism()), System::nanoTime));
    Optional<TapFanout> taps = tapIdentity.map(tls -> new TapFanout(system, tls, inventory::current,
        pod -> identityOf(settings, pod), settings.proxyTapPort(), System::nanoTime));
    return new VizService(system, settings, inventory, history, metrics, scraper, taps);
  }

  /** Serves the API and dashboard on the settings' address (port 0: any free one). */
  public InetSocketAddress serve(ActorSystem<?> system) {
    binding = Http.get(system).newServerAt(settings.listenInterface(), settings.port()).bind(new VizServer(this).route())
        .toCompletableFuture().join();
    return binding.localAddress();
  }

  public Settings settings() {
    return settings;
  }

  @Override
  public Duration refreshInterval() {
    return settings.scrapeInterval();
  }

  @Override
  public boolean ready() {
    return inventory.synced().toCompletableFuture().isDone();
  }

  /**
   * Whether every meshed pod's proxy has been scraped at or after {@code nanoTime} (of
   * {@link System#nanoTime}) by this service (never, when a Prometheus scrapes them).
   */
  public boolean scrapedSince(long nanoTime) {
    return inventory.current().meshedPods().stream().allMatch(p -> {
      var scrapes = history.of(p.key());
      return scrapes.length > 0 && scrapes[scrapes.length - 1].atNanos() >= nanoTime;
    });
  }

  @Override
  public List<StatRow> stat(StatRequest request) {
    return StatQuery.run(request, inventory.current(), metrics);
  }

  @Override
  public List<Edge> edges(VizKind kind, Optional<String> namespace, Duration window) {
    return EdgeQuery.run(kind, namespace, window, inventory.current(), metrics, pod -> identityOf(settings, pod));
  }

  @Override
  public List<RouteRow> routes(ResourceRef target, String namespace, Optional<ResourceRef> from, String fromNamespace,
                               Duration window) {
    return RouteQuery.run(target, namespace, from, fromNamespace, window, settings.clusterDomain(), inventory.current(), metrics);
  }

  @Override
  public Source<TapView, NotUsed> tap(TapQuery query) {
    return taps.orElseThrow(() -> new IllegalArgumentException("tap is not available: this viz service has no mesh identity"))
        .tap(query);
  }

  @Override
  public Source<String, NotUsed> feed(String namespace) {
    if (settings.controlPlaneAdmin().isBlank()) {
      return Source.single(VizJson.write(Map.of("kind", "error", "message",
          "this viz service does not know the control plane's admin address (weft.viz.control-plane-admin)")));
    }
    StringBuilder query = new StringBuilder("events=true");
    inventory.current().services().values().stream().filter(s -> s.meta().namespace().equals(namespace)).forEach(s ->
        s.ports().forEach(p -> query.append("&authority=").append(java.net.URLEncoder.encode(s.meta().name() + "." + namespace
            + ".svc." + settings.clusterDomain() + ":" + p.port(), java.nio.charset.StandardCharsets.UTF_8))));
    var socket = Http.get(system).webSocketClientFlow(WebSocketRequest.create("ws://" + settings.controlPlaneAdmin() + "/feed?" + query));
    return Source.<Message>maybe().via(socket)
        .mapAsync(1, message -> message.asTextMessage().toStrict(FEED_MESSAGE_TIMEOUT.toMillis(),
            org.apache.pekko.stream.Materializer.matFromSystem(system)).thenApply(TextMessage::getStrictText))
        .mapMaterializedValue(m -> NotUsed.notUsed())
        .recoverWithRetries(1, Throwable.class, () -> Source.single(VizJson.write(Map.of("kind", "error", "message",
            "the control plane's feed at " + settings.controlPlaneAdmin() + " broke"))));
  }

  @Override
  public Map<String, Map<String, List<String>>> pods() {
    return inventory.current().allPods().stream().collect(Collectors.groupingBy(p -> p.meta().namespace(), TreeMap::new,
        Collectors.groupingBy(p -> p.owner() == null ? "pod/" + p.meta().name()
                : VizKind.parse(p.owner().kind()).map(k -> k.displayName()).orElse(p.owner().kind()) + "/" + p.owner().name(),
            TreeMap::new, Collectors.mapping(p -> p.meta().name() + (p.meshed() ? "" : " (not meshed)"), Collectors.toList()))));
  }

  /** The identity {@code pod}'s proxy proves. */
  private static String identityOf(Settings settings, PodResource pod) {
    return new MeshIdentity(pod.serviceAccount(), pod.meta().namespace(), settings.controlPlaneNamespace(),
        settings.trustDomain()).name();
  }

  @Override
  public void close() {
    if (binding != null) {
      binding.unbind();
    }
    scraper.ifPresent(Scraper::close);
    inventory.close();
  }
}
