package io.weft.proxy.policy;

import io.linkerd.proxy.inbound.Authn;
import io.linkerd.proxy.inbound.Authz;
import io.linkerd.proxy.inbound.HttpLocalRateLimit;
import io.linkerd.proxy.inbound.ProxyProtocol;
import io.linkerd.proxy.inbound.Server;
import io.linkerd.proxy.net.IPNetwork;
import io.weft.protocol.net.Cidr;
import io.weft.protocol.net.TcpAddresses;
import io.weft.protocol.policy.Client;
import io.weft.proxy.route.InboundRoute;

import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A port's policy as the control plane serves it (Linkerd's inbound {@code Server}), compiled for
 * the connection path: the server that guards the port and its authorizations ({@code rules}), each
 * admitting the clients in its networks (and not in their exceptions) that pass its authentication
 * — they decide TCP connections; an HTTP port's requests are decided by the route they take
 * ({@code routes}: its own authorizations, then the server's; none matching is a 404) and its rate
 * limit. No authorization means no client is admitted.
 */
public record PortPolicy(String serverGroup, String serverKind, String serverName, List<Rule> rules,
                         List<InboundRoute<Rule>> routes, RateLimit rateLimit) {
  public PortPolicy {
    rules = List.copyOf(rules);
    routes = List.copyOf(routes);
  }

  /** A port decided by its server's authorizations alone, every HTTP request taking the default route. */
  public PortPolicy(String serverGroup, String serverKind, String serverName, List<Rule> rules) {
    this(serverGroup, serverKind, serverName, rules, List.of(InboundRoute.everything(rules)), RateLimit.NONE);
  }

  /** Whether requests are served here (an opaque or TLS port has no routes: its connections are decided whole). */
  public boolean http() {
    return !routes.isEmpty();
  }

  /** One authorization, with the {@code authz_group}, {@code authz_kind} and {@code authz_name} its admissions are counted under. */
  public record Rule(List<Network> networks, Authentication authentication, String group, String kind, String name) {
    public Rule {
      networks = List.copyOf(networks);
    }

    public boolean admits(Client client, boolean tls) {
      return networks.stream().anyMatch(n -> n.contains(client)) && authentication.admits(client, tls);
    }
  }

  public record Network(Cidr net, List<Cidr> except) {
    boolean contains(Client client) {
      return net.contains(client.address()) && except.stream().noneMatch(e -> e.contains(client.address()));
    }
  }

  /** Who an authorization admits by what the client proved. */
  public sealed interface Authentication {
    boolean admits(Client client, boolean tls);
  }

  /** Anyone, with or without mesh TLS. */
  public record Unauthenticated() implements Authentication {
    @Override
    public boolean admits(Client client, boolean tls) {
      return true;
    }
  }

  /** Any client over mesh TLS, even without an identity. */
  public record AnyMeshTls() implements Authentication {
    @Override
    public boolean admits(Client client, boolean tls) {
      return tls;
    }
  }

  /** A client proving one of these identities, or one ending in {@code .suffix} (an empty suffix: any identity). */
  public record Identities(Set<String> names, List<String> suffixes) implements Authentication {
    public Identities {
      names = Set.copyOf(names);
      suffixes = List.copyOf(suffixes);
    }

    @Override
    public boolean admits(Client client, boolean tls) {
      return client.identity().filter(id -> names.contains(id)
          || suffixes.stream().anyMatch(s -> s.isEmpty() || id.endsWith("." + s))).isPresent();
    }
  }

  /** The first authorization that admits {@code client} ({@code tls}: it came over mesh TLS), if any does. */
  public Optional<Rule> admit(Client client, boolean tls) {
    return rules.stream().filter(r -> r.admits(client, tls)).findFirst();
  }

  /** {@code server} compiled; its rate limit's meters let {@code burst} of their rates through at once. */
  public static PortPolicy of(Server server, Duration burst) {
    List<Rule> rules = server.getAuthorizationsList().stream().map(PortPolicy::rule).toList();
    ProxyProtocol protocol = server.getProtocol();
    List<InboundRoute<Rule>> routes = switch (protocol.getKindCase()) {
      case DETECT -> http(protocol.getDetect().getHttpRoutesList(), rules);
      case HTTP1 -> http(protocol.getHttp1().getRoutesList(), rules);
      case HTTP2 -> http(protocol.getHttp2().getRoutesList(), rules);
      case GRPC -> protocol.getGrpc().getRoutesList().isEmpty() ? List.of(InboundRoute.everything(rules))
          : protocol.getGrpc().getRoutesList().stream().map(r -> InboundRoute.grpc(r, PortPolicy::rule, rules)).toList();
      default -> List.of();
    };
    HttpLocalRateLimit limit = switch (protocol.getKindCase()) {
      case DETECT -> protocol.getDetect().getHttpLocalRateLimit();
      case HTTP1 -> protocol.getHttp1().getLocalRateLimit();
      case HTTP2 -> protocol.getHttp2().getLocalRateLimit();
      default -> HttpLocalRateLimit.getDefaultInstance();
    };
    return new PortPolicy(server.getLabelsOrDefault("group", ""), server.getLabelsOrDefault("kind", "server"),
        server.getLabelsOrDefault("name", ""), rules, routes, RateLimit.of(limit, burst, System::nanoTime));
  }

  /** The served routes; none (an older control plane) means every request takes the default route. */
  private static List<InboundRoute<Rule>> http(List<io.linkerd.proxy.inbound.HttpRoute> routes, List<Rule> server) {
    return routes.isEmpty() ? List.of(InboundRoute.everything(server))
        : routes.stream().map(r -> InboundRoute.http(r, PortPolicy::rule, server)).toList();
  }

  static Rule rule(Authz authz) {
    List<Network> networks = authz.getNetworksList().stream()
        .map(n -> new Network(cidr(n.getNet()), n.getExceptList().stream().map(PortPolicy::cidr).toList())).toList();
    Authn authn = authz.getAuthentication();
    Authentication authentication = switch (authn.getPermitCase()) {
      case UNAUTHENTICATED -> new Unauthenticated();
      case MESHTLS -> authn.getMeshTLS().hasUnauthenticated() ? new AnyMeshTls()
          : new Identities(Set.copyOf(authn.getMeshTLS().getIdentities().getIdentitiesList().stream().map(i -> i.getName()).toList()),
              authn.getMeshTLS().getIdentities().getSuffixesList().stream().map(s -> String.join(".", s.getPartsList())).toList());
      // An authentication this proxy does not know admits nobody.
      default -> new Identities(Set.of(), List.of());
    };
    // Named by its labels, else (a controller that sends only metadata) by its metadata, kinds in lower case as Linkerd's are.
    io.linkerd.proxy.meta.Metadata meta = authz.getMetadata();
    String kind = meta.hasResource() ? meta.getResource().getKind().toLowerCase(java.util.Locale.ROOT) : "default";
    String name = meta.hasResource() ? meta.getResource().getName() : meta.getDefault();
    return new Rule(networks, authentication, authz.getLabelsOrDefault("group", meta.hasResource() ? meta.getResource().getGroup() : ""),
        authz.getLabelsOrDefault("kind", kind), authz.getLabelsOrDefault("name", name));
  }

  private static Cidr cidr(IPNetwork network) {
    return Cidr.parse(TcpAddresses.toInetAddress(network.getIp()).getHostAddress() + "/" + network.getPrefixLen());
  }
}
