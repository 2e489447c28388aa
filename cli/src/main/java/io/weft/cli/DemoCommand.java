package io.weft.cli;

import io.weft.actors.ControlPlane;
import io.weft.k8s.model.ResourceKind;
import io.weft.k8s.model.ServiceResource;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

@Command(name = "demo", description = "Run the mesh on this machine: the control plane on the emojivoto example.")
final class DemoCommand implements Runnable {
  private static final Duration QUERY_TIMEOUT = Duration.ofSeconds(30);

  @Spec CommandSpec spec;
  @Mixin ClusterOptions cluster;

  @Option(names = "--duration", converter = DurationConverter.class, paramLabel = "DURATION",
      description = "Stop after this long (default: run until Ctrl-C).")
  Duration duration;


  @Override
  public void run() {
    if (cluster.localCluster == null) {
      cluster.localCluster = Path.of(System.getProperty("weft.home", ".")).resolve("examples/emojivoto");
    }
    if (!Files.isDirectory(cluster.localCluster)) {
      throw new IllegalStateException("no manifests at " + cluster.localCluster + " (set --local-cluster)");
    }
    var config = cluster.config();
    var out = spec.commandLine().getOut();
    try (ControlPlane controlPlane = ControlPlane.start(config, cluster.backend(config), Optional.empty())) {
      // start() returns once the manifests are loaded, so this is every Service.
      List<ServiceResource> services = controlPlane.objects(ResourceKind.SERVICE, ServiceResource.class);
      ActorSystem<Void> client = ClientSystem.create();
      try (DestinationQuery query = new DestinationQuery(client,
          new HostPort("127.0.0.1", controlPlane.destinationPort()), QUERY_TIMEOUT)) {
        EndpointTable table = new EndpointTable();
        for (ServiceResource s : services) {
          for (ServiceResource.ServicePort p : s.ports()) {
            String authority = s.meta().name() + "." + s.meta().namespace() + ".svc.cluster.local:" + p.port();
            table.add(authority, query.initial(authority));
          }
        }
        out.println("Endpoints served from " + cluster.localCluster + ":");
        table.print(out, spec.commandLine().getErr());
      } finally {
        client.terminate();
      }
      out.println("Destination API on 127.0.0.1:" + controlPlane.destinationPort()
          + (duration == null ? "; press Ctrl-C to stop." : "; stopping in " + duration.toSeconds() + "s."));
      out.flush();
      if (duration == null) {
        Runtime.getRuntime().addShutdownHook(new Thread(controlPlane::close, "demo-shutdown"));
        controlPlane.system().getWhenTerminated().toCompletableFuture().join();
      } else {
        controlPlane.system().getWhenTerminated().toCompletableFuture().completeOnTimeout(null, duration.toMillis(), TimeUnit.MILLISECONDS).join();
      }
    }
  }
}
