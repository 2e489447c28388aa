package io.weft.proxy.policy;

import io.linkerd.proxy.inbound.Authn;
import io.linkerd.proxy.inbound.Authz;
import io.linkerd.proxy.inbound.Server;
import io.linkerd.proxy.net.IPNetwork;
import io.weft.protocol.net.Cidr;
import io.weft.protocol.net.TcpAddresses;
import io.weft.protocol.policy.Client;

import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * A port's policy as the control plane serves it (Linkerd's inbound {@code Server}), compiled for
 * the connection path: the server that guards the port and its authorizations, each admitting the
 * clients in its networks (and not in their exceptions) that pass its authentication. No
 * authorization means no client is admitted.
 */
public record PortPolicy(String serverGroup, String serverKind, String serverName, List<Rule> rules) {
  public PortPolicy {
    rules = List.copyOf(rules);
  }

  /** One authorization, with the {@code authz_group}, {@code authz_kind} and {@code authz_name} its admissions are counted under. */
  public record Rule(List<Network> networks, Authentication authentication, String group, String kind, String name) {
    public Rule {
      networks = List.copyOf(networks);
    }

    boolean admits(Client client, boolean tls) {
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

  public static PortPolicy of(Server server) {
    return new PortPolicy(server.getLabelsOrDefault("group", ""), server.getLabelsOrDefault("kind", "server"),
        server.getLabelsOrDefault("name", ""),
        server.getAuthorizationsList().stream().map(PortPolicy::rule).toList());
  }

  private static Rule rule(Authz authz) {
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
    return new Rule(networks, authentication, authz.getLabelsOrDefault("group", ""), authz.getLabelsOrDefault("kind", ""),
        authz.getLabelsOrDefault("name", ""));
  }

  private static Cidr cidr(IPNetwork network) {
    return Cidr.parse(TcpAddresses.toInetAddress(network.getIp()).getHostAddress() + "/" + network.getPrefixLen());
  }
}
