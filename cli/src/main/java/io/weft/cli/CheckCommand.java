package io.weft.cli;

import com.typesafe.config.ConfigFactory;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.weft.operator.check.CheckReport;
import io.weft.operator.check.CheckRunner;
import io.weft.operator.check.CheckSettings;
import io.weft.operator.check.CheckTarget;
import io.weft.operator.check.HealthChecks;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.time.Clock;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.Callable;

@Command(name = "check", description = "Check the Weft installation for potential problems: each check prints √ (ok), "
    + "‼ (warning) or × (error, with a hint); the exit code is 1 if any failed.")
final class CheckCommand implements Callable<Integer> {
  @Spec CommandSpec spec;

  @Mixin KubeApi kube;

  @Option(names = "--pre", description = "Only pre-installation checks: can the control plane be installed?")
  boolean pre;

  @Option(names = "--proxy", description = "Also the data plane: are the meshed pods' proxies ready, current, on the current "
      + "trust anchors?")
  boolean proxy;

  @Option(names = "--crds", description = "Only whether the CRDs are installed.")
  boolean crds;

  @Option(names = {"-n", "--namespace"}, paramLabel = "NS", description = "The namespace of the --proxy checks (default: all).")
  String namespace;

  @Option(names = {"-o", "--output"}, paramLabel = "FORMAT", defaultValue = "table",
      description = "table, short (only what did not pass) or json (default: ${DEFAULT-VALUE}).")
  String output;

  @Option(names = "--wait", paramLabel = "DURATION", defaultValue = "5m", converter = DurationConverter.class,
      description = "How long to wait for what becomes true by itself, like pods becoming ready (default: ${DEFAULT-VALUE}).")
  Duration wait;

  @Override
  public Integer call() {
    CheckReport.Format format = switch (output) {
      case "table", "basic" -> CheckReport.Format.TABLE;
      case "short" -> CheckReport.Format.SHORT;
      case "json" -> CheckReport.Format.JSON;
      default -> throw new IllegalArgumentException("--output " + output + ": want table, short or json");
    };
    if (java.util.stream.Stream.of(pre, proxy, crds).filter(b -> b).count() > 1) {
      throw new IllegalArgumentException("--pre, --proxy and --crds are different checks; give one");
    }
    HealthChecks.Mode mode = pre ? HealthChecks.Mode.PRE : proxy ? HealthChecks.Mode.PROXY
        : crds ? HealthChecks.Mode.CRDS : HealthChecks.Mode.CONTROL_PLANE;
    CheckSettings settings = CheckSettings.from(ConfigFactory.load());
    Clock clock = Clock.systemUTC();
    try (KubernetesClient client = kube.client()) {
      CheckTarget target = new CheckTarget(client, kube.namespace, Optional.ofNullable(namespace), Weft.version(),
          clock.instant(), settings);
      CheckReport report = new CheckReport(spec.commandLine().getOut(), format, "Weft core checks");
      boolean success = new CheckRunner(wait, settings.retryInterval(), clock).run(HealthChecks.categories(target, mode), report);
      report.finish(success);
      return success ? 0 : 1;
    }
  }
}
