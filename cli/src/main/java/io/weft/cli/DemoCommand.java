package io.weft.cli;

import io.weft.protocol.net.Authority;
import io.weft.actors.ControlPlane;
import io.weft.k8s.model.ResourceKind;
import io.weft.k8s.model.ServiceResource;
import io.weft.demo.DemoMesh;
import org.apache.pekko.actor.typed.ActorSystem;
import io.weft.actors.discovery.DiscoverySettings;
import io.weft.demo.DemoIdentity;
import io.weft.demo.DemoViz;
import io.weft.viz.query.ResourceRef;
import io.weft.viz.query.StatRequest;
import io.weft.viz.query.VizKind;
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
import java.util.Optional;
import java.util.concurrent.TimeUnit;

@Command(name = "demo", description = "Run the mesh on this machine: the control plane, and the emojivoto example with a proxy per pod.")
final class DemoCommand implements Runnable {
  private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);
  /** The example's namespace. */
  private static final String NAMESPACE = "emojivoto";

  @Spec CommandSpec spec;
  @Mixin ClusterOptions cluster;

  @Option(names = "--duration", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "Stop after this long and print the traffic summary (default: run until Ctrl-C, printing it every 10s).")
  Duration duration;

  @Option(names = "--viz-port", paramLabel = "PORT", defaultValue = "8084",
      description = "Serve the viz API and dashboard on this port (default: ${DEFAULT-VALUE}, Linkerd's; 0: any free one).")
  int vizPort;

  @Option(names = "--vote-interval", converter = DurationConverter.class, defaultValue = "100ms",
      description = "How often vote-bot lists and votes (default: ${DEFAULT-VALUE}).")
  Duration voteInterval;

  @Override
  public void run() {
    if (cluster.source.localCluster == null) {
      cluster.source.localCluster = Path.of(System.getProperty("weft.home", ".")).resolve("examples/emojivoto");
    }
    if (!Files.isDirectory(cluster.source.localCluster)) {
      throw new IllegalStateException("no manifests at " + cluster.source.localCluster + " (set --local-cluster)");
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
      try (DemoMesh mesh = DemoMesh.start(controlPlane, destination, voteInterval, identity);
           DemoViz viz = DemoViz.start(controlPlane, identity, destination, vizSettings(config, vizPort, controlPlane.adminPort()))) {
        String vizAddress = viz.address().getHostString() + ":" + viz.address().getPort();
        out.println("Mesh running: " + mesh.members().size() + " pods, each behind its own proxy; vote-bot is voting"
            + (duration == null ? " (Ctrl-C to stop)." : " for " + duration.toSeconds() + "s."));
        out.println("Viz dashboard: http://" + vizAddress + "/  (weft viz stat deploy -n " + NAMESPACE + " --viz " + vizAddress
            + "; also routes, edges, tap, top)");
        out.flush();
        long started = System.nanoTime();
        Duration wait = duration == null ? Duration.ofSeconds(10) : duration;
        boolean stopped;
        do {
          // A copy, so the timeout completes only our wait, never the system's termination.
          controlPlane.system().getWhenTerminated().toCompletableFuture().thenApply(t -> (Object) t).copy()
              .completeOnTimeout(null, wait.toMillis(), TimeUnit.MILLISECONDS).join();
          stopped = controlPlane.system().whenTerminated().isCompleted();
          Duration window = Duration.ofNanos(System.nanoTime() - started);
          out.println();
          VizTables.stat(viz.viz().stat(StatRequest.of(ResourceRef.parse("deploy"), Optional.of(NAMESPACE), window)), false,
              false, out);
          out.println();
          VizTables.edges(viz.viz().edges(VizKind.DEPLOYMENT, Optional.of(NAMESPACE), window), false, out);
        } while (duration == null && !stopped);
      }
    } finally {
      deleteQuietly(identityDirectory);
    }
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
      out.println("Endpoints served from " + cluster.source.localCluster + ":");
      table.print(out, spec.commandLine().getErr());
      out.println("Control plane: Destination and Identity on 127.0.0.1:" + controlPlane.destinationPort()
          + ", metrics at http://127.0.0.1:" + controlPlane.adminPort() + "/metrics");
    } finally {
      client.terminate();
    }
  }

  /** The viz service on this machine, scraping the demo's proxies every two seconds and relaying the control plane's feed. */
  private static com.typesafe.config.Config vizSettings(com.typesafe.config.Config config, int port, int controlPlaneAdmin) {
    return ConfigFactory.parseString("weft.viz { interface = \"127.0.0.1\", port = " + port + ", scrape.interval = 2s, "
        + "control-plane-admin = \"127.0.0.1:" + controlPlaneAdmin + "\" }").withFallback(config);
  }
}
