package io.weft.cli;

import io.weft.actors.discovery.DiscoverySettings;
import io.weft.actors.eventlog.EventLog;
import io.weft.actors.eventlog.Replay;
import com.typesafe.config.ConfigFactory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.ParameterException;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

@Command(name = "replay", description = "Show what Destination.Get answered at a moment, from a recorded event log.")
final class ReplayCommand implements Runnable {
  @Spec CommandSpec spec;

  @Parameters(paramLabel = "LOG", description = "An event-log directory or one of its files.")
  Path log;

  @Option(names = "--at", paramLabel = "TIME", description = "An ISO-8601 instant, e.g. 2026-11-24T10:15:30Z (default: the end of the log).")
  String at;

  @Option(names = "--authority", required = true, arity = "1..*", paramLabel = "AUTHORITY",
      description = "name.namespace.svc.cluster.local:port or ip:port")
  List<String> authorities;

  @Override
  public void run() {
    Instant when;
    try {
      when = at == null ? Instant.MAX : Instant.parse(at);
    } catch (DateTimeParseException e) {
      throw new ParameterException(spec.commandLine(), "--at '" + at + "' is not an ISO-8601 instant such as 2026-11-24T10:15:30Z");
    }
    List<EventLog.Entry> entries;
    try {
      entries = EventLog.read(log);
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the event log " + log + ": " + e.getMessage());
    }
    Replay replay = new Replay(DiscoverySettings.from(ConfigFactory.load()));
    EndpointTable table = new EndpointTable();
    authorities.forEach(a -> table.add(a, replay.getAt(entries, when, a)));
    spec.commandLine().getOut().println("# " + entries.stream().filter(e -> !e.at().isAfter(when)).count() + " of "
        + entries.size() + " events applied" + (at == null ? "" : " (up to " + at + ")"));
    table.print(spec.commandLine().getOut(), spec.commandLine().getErr());
  }
}
