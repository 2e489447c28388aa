package io.weft.cli;

import com.fasterxml.jackson.core.type.TypeReference;
import io.weft.protocol.net.Authority;
import io.weft.viz.api.VizJson;
import io.weft.viz.query.Edge;
import io.weft.viz.query.RouteRow;
import io.weft.viz.query.StatRow;
import io.weft.viz.tap.TapView;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Model.CommandSpec;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * {@code weft viz}: Linkerd's viz commands against the viz service's API — golden metrics per
 * resource, per route and per edge, and live tap — with Linkerd's columns and line formats.
 */
@Command(name = "viz", description = "Golden metrics, routes, edges and live requests of the mesh, from the viz service.",
    subcommands = {VizCommand.Stat.class, VizCommand.Routes.class, VizCommand.Edges.class, VizCommand.Tap.class,
        VizCommand.Top.class, VizCommand.Dashboard.class, VizCommand.Install.class, VizCommand.Serve.class})
final class VizCommand {
  private VizCommand() {}

  /** Where the viz service is. */
  static final class Target {
    @Option(names = "--viz", converter = AuthorityConverter.class, defaultValue = "127.0.0.1:8084",
        description = "The viz service's address (default: ${DEFAULT-VALUE}, where weft demo serves it).")
    Authority viz;

    VizClient client() {
      return new VizClient(viz);
    }
  }

  /** The namespace options Linkerd's viz commands take. */
  static final class Scope {
    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "Namespace of the resource (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = {"-A", "--all-namespaces"}, description = "Every namespace.")
    boolean all;

    String namespaceParam() {
      return all ? "" : namespace;
    }
  }

  /** table, wide or json. */
  static final class Output {
    @Option(names = {"-o", "--output"}, defaultValue = "table", description = "table, wide or json (default: ${DEFAULT-VALUE}).")
    String format;

    boolean json() {
      return check().equals("json");
    }

    boolean wide() {
      return check().equals("wide");
    }

    private String check() {
      if (!List.of("table", "wide", "json").contains(format)) {
        throw new IllegalArgumentException("--output " + format + ": use table, wide or json");
      }
      return format;
    }
  }

  /** The window the numbers cover. */
  static final class Window {
    @Option(names = {"-t", "--time-window"}, defaultValue = "1m", description = "The window the numbers cover (default: ${DEFAULT-VALUE}).")
    String window;
  }

  /** Only the traffic from another resource. */
  static final class From {
    @Option(names = "--from", paramLabel = "KIND/NAME", description = "Only traffic from this resource.")
    String from;

    @Option(names = "--from-namespace", description = "The --from resource's namespace (default: the resource's).")
    String fromNamespace;
  }

  /** {@code rows} as JSON, or as {@code table} prints them. */
  static <T> void print(Output output, T rows, PrintWriter out, java.util.function.BiConsumer<T, Boolean> table) {
    if (output.json()) {
      printJson(rows, out);
    } else {
      table.accept(rows, output.wide());
    }
  }

  static void printJson(Object value, PrintWriter out) {
    try {
      out.println(VizJson.MAPPER.writerWithDefaultPrettyPrinter().writeValueAsString(value));
      out.flush();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Command(name = "stat", description = "Golden metrics (success rate, requests per second, latency) of resources: deploy, "
      + "sts, ds, job, po, ns, svc, alone (deploy) or by name (deploy/web).")
  static final class Stat implements Runnable {
    @Spec CommandSpec spec;
    @Mixin Target target;
    @Mixin Scope scope;
    @Mixin Output output;

    @Parameters(paramLabel = "RESOURCE", description = "KIND or KIND/NAME")
    String resource;

    @Mixin From from;
    @Mixin Window window;

    @Option(names = "--to", paramLabel = "KIND/NAME", description = "Only traffic to this resource.")
    String to;

    @Option(names = "--to-namespace", description = "The --to resource's namespace (default: the resource's).")
    String toNamespace;

    @Override
    public void run() {
      List<StatRow> rows = target.client().get("/api/stat", VizClient.params("resource", resource, "namespace", scope.namespaceParam(),
          "from", from.from, "from_namespace", from.fromNamespace, "to", to, "to_namespace", toNamespace, "window", window.window),
          new TypeReference<>() {});
      PrintWriter out = spec.commandLine().getOut();
      print(output, rows, out, (r, wide) -> VizTables.stat(r, wide, scope.all, out));
    }
  }

  @Command(name = "routes", description = "Per-route golden metrics of a Service (svc/NAME) or of the Services of a workload: "
      + "its ServiceProfile's routes, else its HTTPRoute and GRPCRoute routes.")
  static final class Routes implements Runnable {
    @Spec CommandSpec spec;
    @Mixin Target target;
    @Mixin Output output;

    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "Namespace of the resource (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Parameters(paramLabel = "RESOURCE", description = "svc/NAME or a workload, KIND/NAME")
    String resource;

    @Mixin From from;
    @Mixin Window window;

    @Override
    public void run() {
      List<RouteRow> rows = target.client().get("/api/routes", VizClient.params("resource", resource, "namespace", namespace,
          "from", from.from, "from_namespace", from.fromNamespace, "window", window.window), new TypeReference<>() {});
      PrintWriter out = spec.commandLine().getOut();
      print(output, rows, out, (r, wide) -> VizTables.routes(r, wide, out));
    }
  }

  @Command(name = "edges", description = "Which resources called which (deploy or po), and whether over mesh TLS.")
  static final class Edges implements Runnable {
    @Spec CommandSpec spec;
    @Mixin Target target;
    @Mixin Scope scope;
    @Mixin Output output;

    @Mixin Window window;

    @Parameters(paramLabel = "KIND", description = "deploy or po (or sts, ds, job)")
    String kind;

    @Override
    public void run() {
      List<Edge> edges = target.client().get("/api/edges", VizClient.params("resource", kind, "namespace", scope.namespaceParam(),
          "window", window.window), new TypeReference<>() {});
      PrintWriter out = spec.commandLine().getOut();
      print(output, edges, out, (e, wide) -> VizTables.edges(e, wide, out));
    }
  }

  /** The request filters tap and top share. */
  static final class TapFilters {
    @Option(names = {"-n", "--namespace"}, defaultValue = "default", description = "Namespace of the resource (default: ${DEFAULT-VALUE}).")
    String namespace;

    @Option(names = "--to", paramLabel = "KIND/NAME", description = "Only requests to this resource.")
    String to;

    @Option(names = "--to-namespace", description = "The --to resource's namespace (default: the resource's).")
    String toNamespace;

    @Option(names = "--method", description = "Only requests with this HTTP method.")
    String method;

    @Option(names = "--path", description = "Only requests whose path starts with this.")
    String path;

    @Option(names = "--authority", description = "Only requests with this authority.")
    String authority;

    @Option(names = "--scheme", description = "Only requests with this scheme.")
    String scheme;

    @Option(names = "--max-rps", defaultValue = "100", description = "At most this many requests a second (default: ${DEFAULT-VALUE}).")
    double maxRps;

    Map<String, String> params(String resource) {
      return VizClient.params("resource", resource, "namespace", namespace, "to", to, "to_namespace", toNamespace, "method", method,
          "path", path, "authority", authority, "scheme", scheme, "max_rps", Double.toString(maxRps));
    }
  }

  @Command(name = "tap", description = "Live requests of a resource's pods, as their proxies see them (Linkerd's tap lines).")
  static final class Tap implements Runnable {
    @Spec CommandSpec spec;
    @Mixin Target target;
    @Mixin TapFilters filters;
    @Mixin Output output;

    @Parameters(paramLabel = "RESOURCE", description = "KIND/NAME (deploy/web), or a namespace (ns/NAME)")
    String resource;

    @Option(names = "--count", paramLabel = "N", description = "Stop after N requests have ended (default: follow until interrupted).")
    Integer count;

    @Override
    public void run() {
      PrintWriter out = spec.commandLine().getOut();
      boolean json = output.json();
      boolean wide = output.wide();
      AtomicInteger ended = new AtomicInteger();
      target.client().tap(filters.params(resource), line -> {
        TapView view = read(line);
        out.println(json ? line : VizTables.tapLine(view, wide));
        out.flush();
        if (view.type().equals(TapView.END) && count != null && ended.incrementAndGet() >= count) {
          throw new VizClient.Stop();
        }
      });
    }
  }

  static TapView read(String line) {
    try {
      return VizJson.MAPPER.readValue(line, TapView.class);
    } catch (IOException e) {
      throw new IllegalStateException("the viz service sent a tap event that is not its JSON: " + line);
    }
  }

  @Command(name = "top", description = "The busiest paths of a resource's live requests: count, best, worst and last latency, "
      + "successes and failures, from tap.")
  static final class Top implements Runnable {
    @Spec CommandSpec spec;
    @Mixin Target target;
    @Mixin TapFilters filters;

    @Parameters(paramLabel = "RESOURCE", description = "KIND/NAME (deploy/web), or a namespace (ns/NAME)")
    String resource;

    @Option(names = "--count", paramLabel = "N", description = "Print the table once N requests have ended, and stop (default: "
        + "print it after every 10 requests, until interrupted).")
    Integer count;

    @Override
    public void run() {
      PrintWriter out = spec.commandLine().getOut();
      TopTable top = new TopTable();
      AtomicInteger ended = new AtomicInteger();
      int every = count == null ? 10 : count;
      target.client().tap(filters.params(resource), line -> {
        TapView view = read(line);
        if (top.add(view)) {
          int n = ended.incrementAndGet();
          if (n % every == 0) {
            top.print(out);
            if (count != null) {
              throw new VizClient.Stop();
            }
          }
        }
      });
    }
  }

  @Command(name = "dashboard", description = "Print the address of the viz dashboard (and open it in a browser when one is at hand).")
  static final class Dashboard implements Runnable {
    @Spec CommandSpec spec;
    @Mixin Target target;

    @Option(names = "--show", defaultValue = "url", description = "url (print the address) or browser (also open it; default: ${DEFAULT-VALUE}).")
    String show;

    @Override
    public void run() {
      String url = "http://" + target.viz.host() + ":" + target.viz.port() + "/";
      target.client().get("/api/pods", Map.of(), new TypeReference<Map<String, Object>>() {}); // it answers
      PrintWriter out = spec.commandLine().getOut();
      out.println("Weft viz dashboard available at:");
      out.println(url);
      out.flush();
      if (show.equals("browser")) {
        try {
          new ProcessBuilder("xdg-open", url).inheritIO().start();
        } catch (IOException e) {
          spec.commandLine().getErr().println("weft: no browser could be started (" + e.getMessage() + "); open " + url);
        }
      }
    }
  }

  @Command(name = "install", description = "Print the manifests of the viz extension (pipe them to kubectl apply -f -): the viz "
      + "service, with the tap service's identity, and a Prometheus scraping every proxy with Linkerd's linkerd-proxy job.")
  static final class Install implements Runnable {
    @Spec CommandSpec spec;
    @Mixin KubeApi kube;

    @Option(names = "--viz-namespace", defaultValue = "linkerd-viz", description = "Where viz runs (default: ${DEFAULT-VALUE}).")
    String vizNamespace;

    @Option(names = "--identity-trust-anchors-file", paramLabel = "FILE",
        description = "The mesh's trust anchors (PEM); else read from the installed control plane.")
    java.nio.file.Path trustAnchors;

    @Option(names = "--prometheus-image", defaultValue = "prom/prometheus:v2.55.1", description = "(default: ${DEFAULT-VALUE})")
    String prometheusImage;

    @Override
    public void run() {
      io.weft.operator.install.InstallValues values;
      String anchors;
      if (trustAnchors != null) {
        values = io.weft.operator.install.InstallValues.defaults();
        try {
          anchors = java.nio.file.Files.readString(trustAnchors);
        } catch (IOException e) {
          throw new IllegalArgumentException("cannot read " + trustAnchors + ": " + e.getMessage());
        }
      } else {
        try (var client = kube.client()) {
          values = io.weft.operator.install.InstallValues.installed(client, kube.namespace);
          var roots = client.configMaps().inNamespace(kube.namespace).withName(io.weft.k8s.identity.IssuerSecrets.TRUST_ROOTS).get();
          anchors = roots == null || roots.getData() == null ? ""
              : roots.getData().getOrDefault(io.weft.k8s.identity.IssuerSecrets.TRUST_BUNDLE_KEY, "");
        } catch (RuntimeException e) {
          throw new IllegalArgumentException("viz install needs the mesh's trust anchors: give --identity-trust-anchors-file, or "
              + "point --kubeconfig/--context at a cluster with Weft installed (" + e.getMessage() + ")", e);
        }
      }
      String version = values.text("linkerdVersion").isEmpty() ? Weft.version() : values.text("linkerdVersion");
      spec.commandLine().getOut().print(io.weft.operator.install.VizManifests.render(new io.weft.operator.install.VizManifests.Viz(
          vizNamespace, kube.namespace, values.text("controllerImage"), version, values.text("imagePullPolicy"),
          values.text("clusterDomain"), values.text("identityTrustDomain"), prometheusImage, anchors)));
      spec.commandLine().getOut().flush();
    }
  }

  @Command(name = "serve", description = "Run the viz service (what weft viz install deploys): follow the cluster's pods, scrape "
      + "their proxies or ask --prometheus-url, fan tap out as the identity of the LINKERD2_PROXY_IDENTITY_* environment, and serve "
      + "the API and the dashboard.")
  static final class Serve implements Runnable {
    @Spec CommandSpec spec;

    @Mixin ClusterSource cluster;

    @Option(names = "--interface", defaultValue = "0.0.0.0", description = "(default: ${DEFAULT-VALUE})")
    String listenInterface;

    @Option(names = "--port", defaultValue = "8084", description = "(default: ${DEFAULT-VALUE}; 0: any free one)")
    int port;

    @Option(names = "--prometheus-url", paramLabel = "URL", description = "A Prometheus scraping the proxies (Linkerd's job); "
        + "else the service scrapes them itself.")
    String prometheusUrl;

    @Option(names = "--control-plane-admin", paramLabel = "HOST:PORT", description = "The control plane's admin address, whose "
        + "diagnostics feed the dashboard shows.")
    String controlPlaneAdmin;

    @Option(names = "--control-plane-namespace", defaultValue = "linkerd", description = "(default: ${DEFAULT-VALUE})")
    String controlPlaneNamespace;

    @Option(names = "--trust-domain", defaultValue = "cluster.local", description = "(default: ${DEFAULT-VALUE})")
    String trustDomain;

    @Option(names = "--cluster-domain", defaultValue = "cluster.local", description = "(default: ${DEFAULT-VALUE})")
    String clusterDomain;

    @Option(names = "--duration", converter = DurationConverter.class, paramLabel = "DURATION",
        description = "Stop after this long (default: run until stopped).")
    java.time.Duration duration;

    @Override
    public void run() {
      com.typesafe.config.Config config = com.typesafe.config.ConfigFactory.parseMap(Map.of(
              "weft.viz.interface", listenInterface, "weft.viz.port", port,
              "weft.viz.prometheus-url", prometheusUrl == null ? "" : prometheusUrl,
              "weft.viz.control-plane-admin", controlPlaneAdmin == null ? "" : controlPlaneAdmin,
              "weft.viz.control-plane-namespace", controlPlaneNamespace, "weft.viz.trust-domain", trustDomain,
              "weft.viz.cluster-domain", clusterDomain, "pekko.remote.artery.canonical.port", 0))
          .withFallback(com.typesafe.config.ConfigFactory.load());
      io.weft.k8s.ClusterBackend backend = cluster.backend(config, java.util.EnumSet.of(io.weft.k8s.model.ResourceKind.POD,
          io.weft.k8s.model.ResourceKind.SERVICE, io.weft.k8s.model.ResourceKind.SERVICE_PROFILE));
      var system = org.apache.pekko.actor.typed.ActorSystem.create(org.apache.pekko.actor.typed.javadsl.Behaviors.empty(), "weft-viz",
          config);
      try {
        java.util.Optional<io.weft.proxy.identity.MeshTls> tap = io.weft.proxy.config.ProxyConfig.fromEnv(System.getenv()).identity()
            .map(identity -> io.weft.proxy.identity.ProxyIdentity.start(system, identity,
                new io.weft.proxy.metrics.ProxyMetrics().identity()).tls());
        PrintWriter out = spec.commandLine().getOut();
        if (tap.isEmpty()) {
          out.println("viz: no LINKERD2_PROXY_IDENTITY_* settings, so no identity: tap is refused");
        }
        try (io.weft.viz.VizService viz = io.weft.viz.VizService.start(system, backend.events(), tap,
            io.weft.viz.VizService.Settings.from(config))) {
          var address = viz.serve(system);
          out.println("viz serving on http://" + address.getHostString() + ":" + address.getPort() + "/ (cluster: "
              + backend.describe() + (prometheusUrl == null ? "" : ", metrics from " + prometheusUrl) + ")");
          out.flush();
          var terminated = system.getWhenTerminated().toCompletableFuture();
          if (duration == null) {
            terminated.join();
          } else {
            terminated.thenApply(t -> (Object) t).completeOnTimeout(null, duration.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS)
                .join();
          }
        }
      } finally {
        system.terminate();
      }
    }
  }
}
