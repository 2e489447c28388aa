package io.weft.proxy.discovery;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import io.linkerd.proxy.destination.Destination;
import io.linkerd.proxy.destination.DestinationHandlerFactory;
import io.linkerd.proxy.destination.DestinationProfile;
import io.linkerd.proxy.destination.GetDestination;
import io.linkerd.proxy.destination.Update;
import io.linkerd.proxy.destination.WeightedAddr;
import io.linkerd.proxy.destination.WeightedAddrSet;
import io.weft.actors.ControlPlane;
import io.weft.protocol.net.TcpAddresses;
import io.weft.proxy.LocalMesh;
import io.weft.proxy.config.ProxyConfig;
import org.apache.pekko.NotUsed;
import org.apache.pekko.actor.typed.ActorSystem;
import org.apache.pekko.http.javadsl.Http;
import org.apache.pekko.http.javadsl.ServerBinding;
import org.apache.pekko.stream.javadsl.Source;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntFunction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The proxy never stays on stale endpoints because its link to the control plane failed quietly:
 * a gRPC client that gave up is built again, a connection that stopped carrying bytes is noticed
 * by keepalive PINGs, and a stream that stopped delivering is asked for again (receive limits).
 */
class ControlPlaneLivenessTest {
  private static final Duration PATIENCE = Duration.ofSeconds(60);
  private static final String AUTHORITY = "api.shop.svc.cluster.local:80";

  @TempDir Path manifests;
  private ActorSystem<Void> proxySystem;
  private ControlPlane controlPlane;
  private Discovery discovery;
  private ServerBinding scripted;

  @AfterEach
  void stop() {
    if (discovery != null) {
      discovery.close();
    }
    if (scripted != null) {
      scripted.unbind();
    }
    if (proxySystem != null) {
      proxySystem.terminate();
    }
    if (controlPlane != null) {
      controlPlane.close();
    }
  }

  private Discovery discovery(Destination client, ProxyConfig.ControlStream limits) {
    return new Discovery(proxySystem, client, new Discovery.Settings("{}", Duration.ofMillis(100), Duration.ofSeconds(1),
        Duration.ofMinutes(5), limits, List.of()));
  }

  private static ProxyConfig.ControlStream defaultLimits() {
    return ProxyConfig.fromEnv(Map.of()).controlPlane().stream();
  }

  @Test
  void aControlPlaneThatIsDownAtFirstIsFollowedOnceItIsUp() throws IOException {
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(log);
    try {
      proxySystem = LocalMesh.proxySystem();
      int port = LocalMesh.freePort();
      discovery = discovery(LocalMesh.destinationClient(proxySystem, port), defaultLimits());
      Resolution api = discovery.resolve(AUTHORITY);
      // A refused connection fails the stream, which is asked for again with backoff (quick in tests).
      await().atMost(PATIENCE).until(() -> log.list.stream().anyMatch(e -> e.getLevel() == Level.WARN
          && e.getFormattedMessage().contains("lost the stream for the endpoints of " + AUTHORITY)
          && e.getFormattedMessage().contains("connecting to the destination API at 127.0.0.1:" + port + " failed")));

      Files.writeString(manifests.resolve("shop.yaml"), DiscoveryTest.manifest(2));
      controlPlane = LocalMesh.controlPlane(manifests, port);
      await().atMost(PATIENCE).until(() -> api.endpoints().size() == 2);
    } finally {
      root.detachAppender(log);
    }
  }

  @Test
  void aConnectionThatStopsCarryingBytesIsReplaced() throws IOException {
    int port = LocalMesh.freePort();
    Files.writeString(manifests.resolve("shop.yaml"), DiscoveryTest.manifest(1));
    controlPlane = LocalMesh.controlPlane(manifests, port);
    // A PING after a second without a frame, its answer awaited for a second.
    proxySystem = LocalMesh.proxySystem("weft.proxy.control-plane { keep-alive-interval = 1s, keep-alive-timeout = 1s }");
    try (BlackHoleRelay relay = new BlackHoleRelay(port)) {
      discovery = discovery(LocalMesh.destinationClient(proxySystem, relay.port()), defaultLimits());
      Resolution api = discovery.resolve(AUTHORITY);
      await().atMost(PATIENCE).until(() -> api.endpoints().size() == 1);
      assertThat(relay.connections()).isEqualTo(1);

      relay.blackHole();
      Files.writeString(manifests.resolve("shop.yaml"), DiscoveryTest.manifest(2));
      // Within the idle timeout (5 minutes): only the PINGs can have noticed.
      await().atMost(PATIENCE).until(() -> api.endpoints().size() == 2);
      assertThat(relay.connections()).isEqualTo(2);
    }
  }

  @Test
  void anOutageIsLoggedOnceAndTheReturnOnceNotEveryRetry() throws IOException {
    ListAppender<ILoggingEvent> log = new ListAppender<>();
    log.start();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.addAppender(log);
    int port = LocalMesh.freePort();
    Files.writeString(manifests.resolve("shop.yaml"), DiscoveryTest.manifest(1));
    controlPlane = LocalMesh.controlPlane(manifests, port);
    proxySystem = LocalMesh.proxySystem();
    try (BlackHoleRelay relay = new BlackHoleRelay(port)) {
      discovery = discovery(LocalMesh.destinationClient(proxySystem, relay.port()), defaultLimits());
      Resolution api = discovery.resolve(AUTHORITY);
      await().atMost(PATIENCE).until(() -> api.endpoints().size() == 1);

      // The control plane is there but broken: every connection closes at once, each retry is one.
      relay.hangingUp(true);
      await().atMost(PATIENCE).until(() -> relay.hungUp() >= 5);
      relay.hangingUp(false);
      await().atMost(PATIENCE).until(() -> lines(log, Level.INFO, "answers for the endpoints of " + AUTHORITY + " again") >= 1);

      assertThat(lines(log, Level.INFO, "answers for the endpoints of " + AUTHORITY + " again")).isEqualTo(1);
      assertThat(lines(log, Level.WARN, "lost the stream for the endpoints of " + AUTHORITY)).isEqualTo(1);
      assertThat(log.list).filteredOn(e -> e.getLoggerName().contains("RestartWithBackoff")).isEmpty();
      assertThat(api.endpoints()).hasSize(1);
    } finally {
      root.detachAppender(log);
    }
  }

  private static long lines(ListAppender<ILoggingEvent> log, Level level, String text) {
    return log.list.stream().filter(e -> e.getLevel() == level && e.getFormattedMessage().contains(text)).count();
  }

  /** A Destination server that answers the n-th Get (from 1) with {@code script}'s stream for n. */
  private static final class ScriptedDestination implements Destination {
    private final AtomicInteger gets = new AtomicInteger();
    private final IntFunction<Source<Update, NotUsed>> script;

    ScriptedDestination(IntFunction<Source<Update, NotUsed>> script) {
      this.script = script;
    }

    @Override
    public Source<Update, NotUsed> get(GetDestination in) {
      return script.apply(gets.incrementAndGet());
    }

    @Override
    public Source<DestinationProfile, NotUsed> getProfile(GetDestination in) {
      return Source.never();
    }
  }

  private static Update add(String ip) {
    return Update.newBuilder().setAdd(WeightedAddrSet.newBuilder().addAddrs(WeightedAddr.newBuilder()
        .setAddr(TcpAddresses.of(ip, 8080)).setWeight(1))).build();
  }

  private Resolution resolveFrom(ScriptedDestination destination, ProxyConfig.ControlStream limits) {
    proxySystem = LocalMesh.proxySystem();
    scripted = Http.get(proxySystem).newServerAt("127.0.0.1", 0)
        .bind(DestinationHandlerFactory.create(destination, proxySystem)).toCompletableFuture().join();
    discovery = discovery(LocalMesh.destinationClient(proxySystem, scripted.localAddress().getPort()), limits);
    return discovery.resolve(AUTHORITY);
  }

  @Test
  void aStreamWithoutAFirstAnswerIsAskedForAgain() {
    // The first Get is never answered; the second is.
    ScriptedDestination destination = new ScriptedDestination(n -> n == 1 ? Source.never() : Source.single(add("10.0.0.2"))
        .concat(Source.never()));
    Resolution api = resolveFrom(destination, new ProxyConfig.ControlStream(Duration.ofMillis(500), Duration.ofMinutes(5),
        Duration.ofHours(1)));
    await().atMost(PATIENCE).until(() -> api.endpoints().keySet().equals(Set.of("10.0.0.2:8080")));
    assertThat(destination.gets.get()).isEqualTo(2);
  }

  @Test
  void aStreamThatFallsSilentIsAskedForAgainAndItsAnswerReplacesWhatItSaid() {
    // Every Get answers once and then says nothing more, as a control plane whose watch stopped would.
    ScriptedDestination destination = new ScriptedDestination(n -> Source.single(add("10.0.0." + n)).concat(Source.never()));
    Resolution api = resolveFrom(destination, new ProxyConfig.ControlStream(Duration.ofSeconds(3), Duration.ofSeconds(1),
        Duration.ofHours(1)));
    await().atMost(PATIENCE).until(() -> destination.gets.get() >= 3);
    // The stale endpoint of an earlier stream is gone once a new stream's first answer arrives.
    await().atMost(PATIENCE).until(() -> api.endpoints().size() == 1
        && !api.endpoints().containsKey("10.0.0.1:8080"));
  }

  @Test
  void aStreamIsAskedForAgainAtTheEndOfItsLifetimeEvenWhileItKeepsTalking() {
    // Each stream repeats its answer every 100 ms: never idle.
    ScriptedDestination destination = new ScriptedDestination(n -> Source.tick(Duration.ZERO, Duration.ofMillis(100), n)
        .map(i -> add("10.0.0." + i)).mapMaterializedValue(c -> NotUsed.notUsed()));
    Resolution api = resolveFrom(destination, new ProxyConfig.ControlStream(Duration.ofSeconds(3), Duration.ofSeconds(3),
        Duration.ofSeconds(1)));
    await().atMost(PATIENCE).until(() -> destination.gets.get() >= 3);
    await().atMost(PATIENCE).until(() -> api.endpoints().size() == 1 && !api.endpoints().containsKey("10.0.0.1:8080"));
  }
}
