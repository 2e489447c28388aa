package io.weft.cli;

import picocli.CommandLine;
import picocli.CommandLine.Command;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** The {@code weft} command. */
@Command(name = "weft", mixinStandardHelpOptions = true, scope = CommandLine.ScopeType.INHERIT, versionProvider = Weft.Version.class,
    description = "Weft: a service mesh for Kubernetes, compatible with Linkerd.",
    subcommands = {ControlPlaneCommand.class, ProxyCommand.class, DiagnosticsCommand.class, AuthzCommand.class, IdentityCommand.class,
        InjectCommand.Inject.class, InjectCommand.Uninject.class, ProfileCommand.class, CheckCommand.class, InstallCommand.class, UpgradeCommand.class, UninstallCommand.class, ReplayCommand.class, DemoCommand.class, VizCommand.class,
        VersionCommand.class, CommandLine.HelpCommand.class})
public final class Weft {
  public static void main(String[] args) {
    // Logging is set up before any other thread can log: a call made while SLF4J is still
    // initializing is replayed with a warning printed to the user's terminal.
    org.slf4j.LoggerFactory.getILoggerFactory();
    System.exit(commandLine().execute(args));
  }

  static CommandLine commandLine() {
    CommandLine cli = new CommandLine(new Weft());
    cli.setExecutionExceptionHandler((e, commandLine, parseResult) -> {
      commandLine.getErr().println("weft: " + (e.getMessage() == null ? e.toString() : e.getMessage()));
      return 1;
    });
    return cli;
  }

  static String version() {
    try (InputStream in = Weft.class.getResourceAsStream("/weft-version.properties")) {
      Properties p = new Properties();
      p.load(in);
      return p.getProperty("version");
    } catch (IOException | NullPointerException e) {
      return "unknown";
    }
  }

  static final class Version implements CommandLine.IVersionProvider {
    @Override
    public String[] getVersion() {
      return new String[] {"weft " + version()};
    }
  }
}
