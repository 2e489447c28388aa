package io.weft.viz;

import io.weft.viz.query.Edge;
import io.weft.viz.query.ResourceRef;
import io.weft.viz.query.RouteRow;
import io.weft.viz.query.StatRequest;
import io.weft.viz.query.StatRow;
import io.weft.viz.query.VizKind;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.within;
import static org.awaitility.Awaitility.await;

/**
 * viz's numbers against a load driver's own: a fixed-rate run through the client pod's proxy to
 * the web Service, with known shares of paths and failures; stat, routes and edges must agree with
 * what the driver sent and got, within 1 %.
 */
class VizStatTest {
  private static final int RPS = 50;
  private static final Duration RUN = Duration.ofSeconds(20);
  /** Every tenth request fails, every tenth goes to /authors, the rest to /books. */
  private static final int SHARE = 10;

  @TempDir static Path directory;
  private static VizMesh mesh;

  /** One request the driver made: its path, when it completed and its status. */
  private record Sent(String path, long doneNanos, int status) {}

  @BeforeAll
  static void start() throws Exception {
    mesh = VizMesh.start(directory);
  }

  @AfterAll
  static void stop() {
    if (mesh != null) {
      mesh.close();
    }
  }

  private static String path(int i) {
    return i % SHARE == 0 ? "/fail" : i % SHARE == 1 ? "/authors" : "/books/" + i;
  }

  private static StatRow row(List<StatRow> rows, String name) {
    return rows.stream().filter(r -> r.name().equals(name)).findFirst().orElseThrow(() -> new AssertionError("no row " + name + " in " + rows));
  }

  @Test
  void statRoutesAndEdgesAgreeWithTheLoadDriver() throws Exception {
    // A first round of traffic, so every series exists before the measured run.
    mesh.get("/books/warm");
    mesh.scraped();
    mesh.scraped();
    ResourceRef deployments = ResourceRef.parse("deploy");
    StatRow before = row(mesh.viz.stat(StatRequest.of(deployments, Optional.of("shop"), Duration.ofMinutes(5))), "web");

    ConcurrentLinkedQueue<Sent> sent = new ConcurrentLinkedQueue<>();
    ScheduledExecutorService ticks = Executors.newSingleThreadScheduledExecutor();
    ExecutorService senders = Executors.newFixedThreadPool(16);
    int total = (int) (RPS * RUN.toSeconds());
    java.util.concurrent.atomic.AtomicInteger next = new java.util.concurrent.atomic.AtomicInteger();
    java.util.concurrent.CountDownLatch done = new java.util.concurrent.CountDownLatch(total);
    long started = System.nanoTime();
    ticks.scheduleAtFixedRate(() -> {
      int i = next.getAndIncrement();
      if (i >= total) {
        return;
      }
      senders.submit(() -> {
        try {
          sent.add(new Sent(path(i), System.nanoTime(), mesh.get(path(i))));
        } catch (Exception e) {
          sent.add(new Sent(path(i), System.nanoTime(), 0));
        } finally {
          done.countDown();
        }
      });
    }, 0, 1_000_000 / RPS, TimeUnit.MICROSECONDS);
    try {
      // During the run: the rate over the last 10 s is the driver's.
      await().atMost(RUN).until(() -> System.nanoTime() - started > Duration.ofSeconds(14).toNanos());
      StatRow during = row(mesh.viz.stat(StatRequest.of(deployments, Optional.of("shop"), Duration.ofSeconds(10))), "web");
      long now = System.nanoTime();
      double driverRate = sent.stream().filter(s -> now - s.doneNanos() <= Duration.ofSeconds(10).toNanos()).count() / 10.0;
      assertThat(driverRate).as("the driver held its rate").isCloseTo(RPS, within(RPS * 0.05));
      assertThat(during.rps()).as("rps during the run (driver: %.2f)", driverRate).isCloseTo(RPS, within(RPS * 0.01));
      assertThat(done.await(RUN.toSeconds() * 3, TimeUnit.SECONDS)).isTrue();
    } finally {
      ticks.shutdownNow();
      senders.shutdownNow();
    }
    mesh.scraped();

    // After it: every request counted, failures as the driver saw them.
    long failed = sent.stream().filter(s -> s.status() != 200).count();
    assertThat(sent).hasSize(total);
    StatRow after = row(mesh.viz.stat(StatRequest.of(deployments, Optional.of("shop"), Duration.ofMinutes(5))), "web");
    assertThat(after.requests() - before.requests()).as("responses counted by viz").isCloseTo((long) total, within((long) (total * 0.01)));
    double driverSuccess = (double) (total - failed) / total;
    assertThat(failed).isEqualTo(total / SHARE);
    assertThat(after.success()).as("success rate (driver: %.4f)", driverSuccess)
        .isCloseTo(driverSuccess, within(0.01));
    assertThat(after.meshed()).isEqualTo("1/1");
    assertThat(after.latencyMsP50()).isPositive();

    // The client's outbound view of the same traffic, and the Service's.
    StatRow to = row(mesh.viz.stat(new StatRequest(ResourceRef.parse("deploy/client"), Optional.of("shop"), Optional.empty(),
        Optional.empty(), Optional.of(ResourceRef.parse("deploy/web")), Optional.empty(), Duration.ofMinutes(5))), "client");
    assertThat(to.requests()).isCloseTo(after.requests(), within((long) (total * 0.01)));
    StatRow service = row(mesh.viz.stat(StatRequest.of(ResourceRef.parse("svc/web"), Optional.of("shop"), Duration.ofMinutes(5))), "web");
    assertThat(service.requests()).isCloseTo(after.requests(), within((long) (total * 0.01)));
    assertThat(service.meshed()).isEqualTo("-");

    // Per route of the ServiceProfile: as many as the driver sent down each.
    Map<String, Long> byRoute = sent.stream().collect(Collectors.groupingBy(
        s -> s.path().startsWith("/books") ? "books" : s.path().equals("/authors") ? "authors" : RouteRow.DEFAULT, Collectors.counting()));
    List<RouteRow> routes = mesh.viz.routes(ResourceRef.parse("svc/web"), "shop", Optional.empty(), "shop", Duration.ofMinutes(5));
    assertThat(routes).extracting(RouteRow::route).containsExactly("books", "authors", RouteRow.DEFAULT);
    for (RouteRow route : routes) {
      long expected = byRoute.get(route.route()) + (route.route().equals("books") ? 1 : 0); // the warm-up request
      assertThat(route.requests()).as("requests on route %s", route.route()).isCloseTo(expected, within(Math.max(1, (long) (expected * 0.01))));
      assertThat(route.effectiveSuccess()).as("success on route %s", route.route())
          .isCloseTo(route.route().equals(RouteRow.DEFAULT) ? 0.0 : 1.0, within(0.01));
      assertThat(route.actualRps()).isPositive();
    }
    assertThat(mesh.viz.routes(ResourceRef.parse("deploy/web"), "shop", Optional.of(ResourceRef.parse("deploy/client")), "shop",
        Duration.ofMinutes(5))).extracting(RouteRow::route).containsExactly("books", "authors", RouteRow.DEFAULT);

    // The edge between them, over mesh TLS.
    List<Edge> edges = mesh.viz.edges(VizKind.DEPLOYMENT, Optional.of("shop"), Duration.ofMinutes(5));
    assertThat(edges).singleElement().satisfies(e -> {
      assertThat(e.source()).isEqualTo("client");
      assertThat(e.destination()).isEqualTo("web");
      assertThat(e.secured()).isTrue();
      assertThat(e.serverId()).isEqualTo("web.shop.serviceaccount.identity.linkerd.cluster.local");
    });
  }
}
