package io.weft.cli;

import io.weft.protocol.net.Authority;
import io.weft.actors.ControlPlane;
import io.weft.k8s.model.ResourceKind;
import io.weft.k8s.model.ServiceResource;
import io.weft.demo.DemoMesh;
import io.weft.demo.DeploymentStats;
import org.apache.pekko.actor.typed.ActorSystem;
import io.weft.actors.discovery.DiscoverySettings;
import io.weft.demo.DemoIdentity;
import io.weft.demo.Edges;
import com.typesafe.config.ConfigFactory;
import java.io.IOException;
import java.io.UncheckedIOException;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.OptionalDouble;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

@Command(name = "demo", description = "Run the mesh on this machine: the control plane, and the emojivoto example with a proxy per pod.")
final class DemoCommand implements Runnable {
  private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);

  @Spec CommandSpec spec;
  @Mixin ClusterOptions cluster;

  @Option(names = "--duration", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "Stop after this long and print the traffic summary (default: run until Ctrl-C, printing it every 10s).")
  Duration duration;

  @Option(names = "--vote-interval", converter = DurationConverter.class, defaultValue = "100ms",
      description = "How often vote-bot lists and votes (default: ${DEFAULT-VALUE}).")
  Duration voteInterval;

  @Override
  public void run() {
    if (cluster.localCluster == null) {
      cluster.localCluster = Path.of(System.getProperty("weft.home", ".")).resolve("examples/emojivoto");
    }
    if (!Files.isDirectory(cluster.localCluster)) {
      throw new IllegalStateException("no manifests at " + cluster.localCluster + " (set --local-cluster)");
    }
    PrintWriter out = spec.commandLine().getOut();
    Path identityDirectory;
    DemoIdentity identity;
    var clusterConfig = cluster.config();
    var discovery = DiscoverySettings.from(clusterConfig);
    try {
      // A fresh trust anchor and issuer for this run: every proxy gets a certificate, every hop is mTLS.
      identityDirectory = Files.createTempDirectory("weft-demo-identity");
      identity = DemoIdentity.create(identityDirectory, discovery.controlPlaneNamespace(), discovery.trustDomain());
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the demo's trust anchor and issuer", e);
    }
    var config = ConfigFactory.parseString(identity.controlPlaneSettings()).withFallback(clusterConfig);
    try (ControlPlane controlPlane = ControlPlane.start(config, cluster.backend(config), java.util.Optional.empty())) {
      printEndpoints(controlPlane, discovery.clusterDomain(), out);
      InetSocketAddress destination = new InetSocketAddress("127.0.0.1", controlPlane.destinationPort());
      try (DemoMesh mesh = DemoMesh.start(controlPlane, destination, voteInterval, identity)) {
        out.println("Mesh running: " + mesh.members().size() + " pods, each behind its own proxy; vote-bot is voting"
            + (duration == null ? " (Ctrl-C to stop)." : " for " + duration.toSeconds() + "s."));
        out.flush();
        long started = System.nanoTime();
        Duration wait = duration == null ? Duration.ofSeconds(10) : duration;
        boolean stopped;
        do {
          // A copy, so the timeout completes only our wait, never the system's termination.
          controlPlane.system().getWhenTerminated().toCompletableFuture().thenApply(t -> (Object) t).copy()
              .completeOnTimeout(null, wait.toMillis(), TimeUnit.MILLISECONDS).join();
          stopped = controlPlane.system().whenTerminated().isCompleted();
          printStats(mesh, Duration.ofNanos(System.nanoTime() - started), out);
          printEdges(mesh, out);
        } while (duration == null && !stopped);
      }
    } finally {
      deleteQuietly(identityDirectory);
    }
  }

  /** Linkerd's `viz edges deploy` columns: who called whom, and whether all of it was mTLS. */
  private static void printEdges(DemoMesh mesh, PrintWriter out) {
    List<Edges.Caller> callers = mesh.members().stream()
        .map(m -> new Edges.Caller(m.deployment(), m.pod().meta().namespace(), m.proxy().metrics().snapshot())).toList();
    Table table = new Table("SRC", "DST", "SRC_NS", "DST_NS", "SECURED");
    for (Edges.Edge e : Edges.of(callers)) {
      table.add(e.source(), e.destination(), e.sourceNamespace(), e.destinationNamespace(), e.secured() ? "√" : "×");
    }
    out.println();
    table.print(out);
  }

  private static void deleteQuietly(Path directory) {
    try (var files = Files.walk(directory)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp directory left behind is harmless
    }
  }

  private void printEndpoints(ControlPlane controlPlane, String clusterDomain, PrintWriter out) {
    List<ServiceResource> services = controlPlane.queries().objects(ResourceKind.SERVICE, ServiceResource.class)
        .toCompletableFuture().join();
    ActorSystem<Void> client = ClientSystem.create();
    try (DestinationQuery query = new DestinationQuery(client, new Authority("127.0.0.1", controlPlane.destinationPort()),
        QUERY_TIMEOUT)) {
      EndpointTable table = new EndpointTable();
      for (ServiceResource s : services) {
        for (ServiceResource.ServicePort p : s.ports()) {
          String authority = new Authority(Authority.serviceName(s.meta().name(), s.meta().namespace(), clusterDomain), p.port())
              .toString();
          table.add(authority, query.initial(authority));
        }
      }
      out.println("Endpoints served from " + cluster.localCluster + ":");
      table.print(out, spec.commandLine().getErr());
      out.println("Control plane: Destination and Identity on 127.0.0.1:" + controlPlane.destinationPort()
          + ", metrics at http://127.0.0.1:" + controlPlane.adminPort() + "/metrics");
    } finally {
      client.terminate();
    }
  }

  /** Linkerd's `viz stat deploy` columns, from what the callers' proxies measured. */
  private static void printStats(DemoMesh mesh, Duration window, PrintWriter out) {
    var snapshots = mesh.members().stream().map(m -> m.proxy().metrics().snapshot()).toList();
    Map<String, List<DemoMesh.Member>> byDeployment = mesh.members().stream()
        .collect(Collectors.groupingBy(DemoMesh.Member::deployment, TreeMap::new, Collectors.toList()));
    Table table = new Table("NAME", "MESHED", "SUCCESS", "RPS", "LATENCY_P50", "LATENCY_P95", "LATENCY_P99", "TCP_CONN");
    byDeployment.forEach((deployment, pods) -> {
      DeploymentStats stats = DeploymentStats.of(deployment, snapshots, window);
      long meshed = pods.stream().filter(m -> m.pod().meshed()).count();
      table.add(deployment, meshed + "/" + pods.size(), percent(stats.successRate()),
          stats.responses() == 0 ? "-" : String.format(Locale.ROOT, "%.1frps", stats.rps()),
          millis(stats.p50()), millis(stats.p95()), millis(stats.p99()),
          Long.toString(DeploymentStats.openInboundConnections(pods.stream().map(m -> m.proxy().metrics().snapshot()).toList())));
    });
    out.println();
    table.print(out);
  }

  private static String percent(OptionalDouble rate) {
    return rate.isEmpty() ? "-" : String.format(Locale.ROOT, "%.2f%%", rate.getAsDouble() * 100);
  }

  private static String millis(OptionalDouble ms) {
    return ms.isEmpty() ? "-" : String.format(Locale.ROOT, "%.0fms", Math.ceil(ms.getAsDouble()));
  }
}
