package io.weft.proxy.discovery;

import io.linkerd.proxy.destination.DestinationClient;
import io.linkerd.proxy.destination.GetDestination;
import io.weft.proxy.config.ProxyConfig;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.event.Logging;
import org.apache.pekko.stream.KillSwitches;
import org.apache.pekko.stream.RestartSettings;
import org.apache.pekko.stream.StreamTimeoutException;
import org.apache.pekko.stream.UniqueKillSwitch;
import org.apache.pekko.stream.javadsl.Keep;
import org.apache.pekko.stream.javadsl.RestartSource;
import org.apache.pekko.stream.javadsl.Sink;
import org.apache.pekko.stream.javadsl.Source;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * The proxy's view of the Destination API: one {@link Resolution} per authority, each fed by its
 * own {@code Get} stream that reconnects with backoff when the control plane goes away, and is
 * asked again when it breaks its receive limits ({@link ProxyConfig.ControlStream}).
 */
public final class Discovery implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Discovery.class);

  /**
   * The context token sent with every lookup, the reconnect backoff, how long an unused authority
   * is followed, and the streams' receive limits.
   */
  public record Settings(String contextToken, Duration minBackoff, Duration maxBackoff, Duration idleTimeout,
                         ProxyConfig.ControlStream stream) {}

  private final ActorSystem<?> system;
  private final Supplier<DestinationClient> client;
  private final Settings settings;
  private final Map<String, Resolution> resolutions = new ConcurrentHashMap<>();
  private final Map<String, UniqueKillSwitch> streams = new ConcurrentHashMap<>();
  private final org.apache.pekko.actor.Cancellable sweeper;
  private final LongSupplier nanoClock;

  /** {@code client}: the Destination client to call for each new stream (see {@code ControlPlaneClient}). */
  public Discovery(ActorSystem<?> system, Supplier<DestinationClient> client, Settings settings) {
    this(system, client, settings, System::nanoTime);
  }

  /** {@code nanoClock} decides idleness; tests pass their own to sweep deterministically. */
  Discovery(ActorSystem<?> system, Supplier<DestinationClient> client, Settings settings, LongSupplier nanoClock) {
    this.system = system;
    this.client = client;
    this.settings = settings;
    this.nanoClock = nanoClock;
    Duration sweep = settings.idleTimeout().dividedBy(2);
    this.sweeper = system.scheduler().scheduleAtFixedRate(sweep, sweep, this::dropIdle, system.executionContext());
  }

  /** The resolution of {@code authority} ({@code name.ns.svc.cluster.local:port} or {@code ip:port}), started on first use. */
  public Resolution resolve(String authority) {
    Resolution resolution = resolutions.computeIfAbsent(authority, this::start);
    resolution.touch(nanoClock.getAsLong());
    return resolution;
  }

  /** How many authorities are being followed now. */
  public int active() {
    return resolutions.size();
  }

  /** Stops following authorities nobody asked about for the idle timeout and with nothing in flight. */
  void dropIdle() {
    long cutoff = nanoClock.getAsLong() - settings.idleTimeout().toNanos();
    resolutions.forEach((authority, resolution) -> {
      if (resolution.idleSince(cutoff) && resolutions.remove(authority, resolution)) {
        UniqueKillSwitch stream = streams.remove(authority);
        if (stream != null) {
          stream.shutdown();
        }
        resolution.drop();
        log.debug("stopped resolving {} (idle)", authority);
      }
    });
  }

  private Resolution start(String authority) {
    Resolution resolution = new Resolution();
    GetDestination request = GetDestination.newBuilder().setScheme("k8s").setPath(authority)
        .setContextToken(settings.contextToken()).build();
    // Restarts are routine while the control plane is away; Pekko's own line for each (WARN, with a
    // stack trace) would flood the log of a proxy following many authorities. Instead: one line
    // when a stream that worked breaks, one when it answers again.
    RestartSettings restart = RestartSettings.create(settings.minBackoff(), settings.maxBackoff(), 0.2)
        .withLogSettings(RestartSettings.createLogSettings(Logging.DebugLevel()));
    AtomicBoolean answering = new AtomicBoolean(true);
    ProxyConfig.ControlStream limits = settings.stream();
    // At the end of its lifetime, or past a receive limit, the stream ends and is asked for again.
    UniqueKillSwitch stream = RestartSource.withBackoff(restart, () -> {
          resolution.reconnected();
          return client.get().get(request).initialTimeout(limits.initialTimeout()).idleTimeout(limits.idleTimeout())
              .takeWithin(limits.lifetime())
              .recoverWithRetries(1, StreamTimeoutException.class, () -> {
                log.debug("asking for {} again: its stream broke a receive limit", authority);
                return Source.empty();
              })
              .map(update -> {
                if (!answering.getAndSet(true)) {
                  log.info("the control plane answers for {} again", authority);
                }
                return update;
              })
              .watchTermination((notUsed, done) -> {
                done.whenComplete((d, error) -> {
                  if (error != null && answering.getAndSet(false)) {
                    log.warn("lost the Destination stream for {} ({}): asking again with backoff, routing to the {} endpoints known",
                        authority, error.getMessage(), resolution.endpoints().size());
                  }
                });
                return notUsed;
              });
        })
        .viaMat(KillSwitches.single(), Keep.right())
        .toMat(Sink.foreach(resolution::apply), Keep.left())
        .run(system);
    streams.put(authority, stream);
    log.debug("resolving {}", authority);
    return resolution;
  }

  @Override
  public void close() {
    sweeper.cancel();
    streams.values().forEach(UniqueKillSwitch::shutdown);
    resolutions.values().forEach(Resolution::drop);
  }

}
