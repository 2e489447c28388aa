package io.weft.cli;

import io.weft.actors.ControlPlane;
import org.apache.pekko.actor.AddressFromURIString;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

import java.util.Optional;

@Command(name = "control-plane", description = "Run a control-plane node (Destination API) until stopped.")
final class ControlPlaneCommand implements Runnable {
  @Mixin ClusterOptions cluster;

  @Option(names = "--join", paramLabel = "HOST:PORT", converter = HostPort.Converter.class,
      description = "Join the control-plane node at this cluster address instead of forming a new cluster.")
  HostPort join;

  @Override
  public void run() {
    var config = cluster.config();
    ControlPlane controlPlane = ControlPlane.start(config, cluster.backend(config), Optional.ofNullable(join)
        .map(j -> AddressFromURIString.parse("pekko://" + ControlPlane.SYSTEM_NAME + "@" + j)));
    Runtime.getRuntime().addShutdownHook(new Thread(controlPlane::close, "control-plane-shutdown"));
    controlPlane.system().getWhenTerminated().toCompletableFuture().join();
  }
}
