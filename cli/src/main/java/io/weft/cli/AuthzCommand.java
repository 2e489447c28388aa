package io.weft.cli;

import io.linkerd.proxy.inbound.Authz;
import io.linkerd.proxy.inbound.ProxyProtocol;
import io.linkerd.proxy.inbound.Server;
import io.linkerd.proxy.meta.Metadata;
import io.weft.k8s.model.PodResource;
import io.weft.protocol.net.Authority;
import org.apache.pekko.actor.typed.ActorSystem;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;

/**
 * {@code weft authz}: who may reach a workload, as its proxy is told — for each of the pod's ports,
 * the server that guards it and each of its routes with the authorizations that admit clients on it,
 * in Linkerd's columns. A route with no authorization listed admits nobody.
 */
@Command(name = "authz", description = "List the authorizations of a workload's inbound ports (a pod name, or deploy/NAME): "
    + "each route of each port's server, with the AuthorizationPolicies and ServerAuthorizations that admit clients on it.")
final class AuthzCommand implements Runnable {
  private static final String DEFAULT = "default";

  @Spec CommandSpec spec;
  @Mixin PodSelection selection;

  @Option(names = "--destination", converter = AuthorityConverter.class, defaultValue = "127.0.0.1:8086",
      description = "The control plane's policy service (default: ${DEFAULT-VALUE}).")
  Authority destination;

  @Override
  public void run() {
    PodResource pod = selection.find();
    Table table = new Table("ROUTE", "SERVER", "AUTHORIZATION_POLICY", "SERVER_AUTHORIZATION");
    ActorSystem<Void> system = ClientSystem.create();
    try (DestinationQuery query = new DestinationQuery(system, destination, selection.timeout)) {
      for (int port : new TreeSet<>(pod.ports().stream().map(PodResource.ContainerPort::containerPort).toList())) {
        rows(query.inboundPolicy(pod.meta().namespace(), pod.meta().name(), port), table);
      }
    } finally {
      system.terminate();
    }
    if (table.isEmpty()) {
      spec.commandLine().getErr().println("pod " + pod.meta().name() + " declares no container ports");
    }
    table.print(spec.commandLine().getOut());
  }

  /** A row per route and authorization of one port's server (the route's own first, then the server's). */
  private static void rows(Server server, Table table) {
    String kind = server.getLabelsOrDefault("kind", "");
    String name = server.getLabelsOrDefault("name", "");
    String serverName = kind.equals(DEFAULT) ? DEFAULT + ":" + name : name;
    List<Route> routes = routes(server.getProtocol());
    if (routes.isEmpty()) {
      routes = List.of(new Route("*", List.of()));
    }
    for (Route route : routes) {
      List<Authz> admitting = new ArrayList<>(route.authorizations());
      admitting.addAll(server.getAuthorizationsList());
      if (admitting.isEmpty()) {
        table.add(route.name(), serverName, "", "");
      }
      for (Authz authz : admitting) {
        String authzKind = authz.getLabelsOrDefault("kind", "");
        String authzName = authz.getLabelsOrDefault("name", "");
        boolean serverAuthorization = authzKind.equals("serverauthorization");
        String shown = authzKind.equals(DEFAULT) ? DEFAULT + ":" + authzName : authzName;
        table.add(route.name(), serverName, serverAuthorization ? "" : shown, serverAuthorization ? shown : "");
      }
    }
  }

  private record Route(String name, List<Authz> authorizations) {}

  private static List<Route> routes(ProxyProtocol protocol) {
    List<Route> routes = new ArrayList<>();
    switch (protocol.getKindCase()) {
      case DETECT -> protocol.getDetect().getHttpRoutesList().forEach(r -> routes.add(new Route(name(r.getMetadata()), r.getAuthorizationsList())));
      case HTTP1 -> protocol.getHttp1().getRoutesList().forEach(r -> routes.add(new Route(name(r.getMetadata()), r.getAuthorizationsList())));
      case HTTP2 -> protocol.getHttp2().getRoutesList().forEach(r -> routes.add(new Route(name(r.getMetadata()), r.getAuthorizationsList())));
      case GRPC -> protocol.getGrpc().getRoutesList().forEach(r -> routes.add(new Route(name(r.getMetadata()), r.getAuthorizationsList())));
      default -> { }
    }
    return routes;
  }

  private static String name(Metadata metadata) {
    return metadata.hasResource() ? metadata.getResource().getName() : metadata.getDefault();
  }
}
