package io.weft.cli;

import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.time.Duration;
import java.util.List;

@Command(name = "diagnostics", description = "Commands that help diagnose the mesh.",
    subcommands = {DiagnosticsCommand.Endpoints.class})
final class DiagnosticsCommand {

  @Command(name = "endpoints", description = "Show the endpoints the Destination service serves for authorities.")
  static final class Endpoints implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "AUTHORITY", description = "name.namespace.svc.cluster.local:port or ip:port")
    List<String> authorities;

    @Option(names = "--destination", converter = HostPort.Converter.class, defaultValue = "127.0.0.1:8086",
        description = "The Destination service (default: ${DEFAULT-VALUE}).")
    HostPort destination;

    @Option(names = "--timeout", defaultValue = "10s", converter = DurationConverter.class,
        description = "How long to wait for an answer (default: ${DEFAULT-VALUE}).")
    Duration timeout;

    @Override
    public void run() {
      ActorSystem<Void> system = ClientSystem.create();
      try (DestinationQuery query = new DestinationQuery(system, destination, timeout)) {
        EndpointTable table = new EndpointTable();
        authorities.forEach(a -> table.add(a, query.initial(a)));
        table.print(spec.commandLine().getOut(), spec.commandLine().getErr());
      } finally {
        system.terminate();
      }
    }
  }
}
