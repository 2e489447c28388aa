package io.weft.cli;

import org.apache.pekko.actor.typed.ActorSystem;
import com.google.protobuf.Message;
import io.weft.actors.admin.ProtoJson;
import io.weft.k8s.model.PodResource;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

@Command(name = "diagnostics", description = "Commands that help diagnose the mesh.",
    subcommands = {DiagnosticsCommand.Endpoints.class, DiagnosticsCommand.Profile.class, DiagnosticsCommand.Policy.class, WatchCommand.class,
        DiagnosticsCommand.ProxyMetrics.class})
final class DiagnosticsCommand {

  @Command(name = "endpoints", description = "Show the endpoints the Destination service serves for authorities.")
  static final class Endpoints implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "AUTHORITY", description = "name.namespace.svc.cluster.local:port or ip:port")
    List<String> authorities;

    @Mixin DestinationOptions target;

    @Override
    public void run() {
      ActorSystem<Void> system = ClientSystem.create();
      try (DestinationQuery query = new DestinationQuery(system, target.destination, target.timeout)) {
        EndpointTable table = new EndpointTable();
        authorities.forEach(a -> table.add(a, query.initial(a)));
        table.print(spec.commandLine().getOut(), spec.commandLine().getErr());
      } finally {
        system.terminate();
      }
    }
  }

  @Command(name = "profile", description = "Print the profile the Destination service serves for an authority, as JSON "
      + "(routes, retry budget, traffic split, opaqueness), as a proxy receives it.")
  static final class Profile extends PrintedAnswer {
    @Override
    Message answer(DestinationQuery query, String authority) {
      return query.profile(authority);
    }
  }

  @Command(name = "policy", description = "Print the policy the control plane serves, as JSON, as a proxy receives it: a "
      + "Service's outbound policy (AUTHORITY: name or cluster IP, and port: its routes, backends, failure accrual, retries and "
      + "timeouts), or a pod port's inbound policy (po/NAME PORT, with -n: its Server, protocol and authorizations).")
  static final class Policy extends PrintedAnswer {
    @Parameters(index = "1", arity = "0..1", paramLabel = "PORT", description = "The pod's port, for po/NAME.")
    Integer port;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "The pod's namespace (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Override
    Message answer(DestinationQuery query, String target) {
      String pod = target.startsWith("po/") ? target.substring(3) : target.startsWith("pod/") ? target.substring(4) : null;
      if (pod == null) {
        return query.outboundPolicy(target);
      }
      if (port == null) {
        throw new IllegalArgumentException("an inbound policy is a port's: po/" + pod + " PORT");
      }
      return query.inboundPolicy(namespace, pod, port);
    }
  }

  /** A control-plane answer about one authority, printed as protobuf JSON. */
  abstract static class PrintedAnswer implements Runnable {
    @Spec CommandSpec spec;

    @Parameters(index = "0", paramLabel = "AUTHORITY", description = "name.namespace.svc.cluster.local:port or ip:port")
    String authority;

    @Mixin DestinationOptions target;

    abstract Message answer(DestinationQuery query, String authority);

    @Override
    public void run() {
      ActorSystem<Void> system = ClientSystem.create();
      try (DestinationQuery query = new DestinationQuery(system, target.destination, target.timeout)) {
        spec.commandLine().getOut().println(ProtoJson.print(answer(query, authority)));
        spec.commandLine().getOut().flush();
      } finally {
        system.terminate();
      }
    }
  }

  @Command(name = "proxy-metrics", description = "Print the metrics of a pod's proxy (pod name, or deploy/NAME).")
  static final class ProxyMetrics implements Runnable {
    @Spec CommandSpec spec;
    @Mixin PodSelection selection;

    @Option(names = "--admin-port", defaultValue = "4191", description = "The proxy's admin port (default: ${DEFAULT-VALUE}).")
    int adminPort;

    @Override
    public void run() {
      Duration timeout = selection.timeout;
      PodResource pod = selection.find();
      URI metrics = URI.create("http://" + pod.podIP() + ":" + adminPort + "/metrics");
      HttpResponse<String> response;
      try (HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout).build()) {
        response = http.send(HttpRequest.newBuilder(metrics).timeout(timeout).build(), HttpResponse.BodyHandlers.ofString());
      } catch (IOException e) {
        throw new IllegalStateException("cannot reach the proxy of " + pod.meta().name() + " at " + metrics + ": " + e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted");
      }
      if (response.statusCode() != 200) {
        throw new IllegalStateException("the proxy of " + pod.meta().name() + " answered " + response.statusCode() + " on " + metrics);
      }
      spec.commandLine().getOut().println("#\n# POD " + pod.meta().name() + " (" + pod.podIP() + ")\n#");
      spec.commandLine().getOut().print(response.body());
      spec.commandLine().getOut().flush();
    }
  }
}
