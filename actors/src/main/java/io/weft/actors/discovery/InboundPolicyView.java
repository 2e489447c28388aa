package io.weft.actors.discovery;

import io.linkerd.proxy.inbound.Authn;
import io.linkerd.proxy.inbound.Authz;
import io.linkerd.proxy.grpc_route.GrpcRouteMatch;
import io.linkerd.proxy.inbound.GrpcRoute;
import io.linkerd.proxy.inbound.HttpRoute;
import io.linkerd.proxy.inbound.IdentitySuffix;
import io.linkerd.proxy.inbound.Network;
import io.linkerd.proxy.inbound.ProxyProtocol;
import io.linkerd.proxy.inbound.Server;
import io.linkerd.proxy.http_route.HttpRouteMatch;
import io.linkerd.proxy.http_route.PathMatch;
import io.linkerd.proxy.meta.Metadata;
import io.linkerd.proxy.meta.Resource;
import io.linkerd.proxy.net.IPNetwork;
import io.weft.actors.state.InboundPolicyInputs;
import io.weft.k8s.model.AuthorizationPolicyResource;
import io.weft.k8s.model.MeshTlsAuthenticationResource;
import io.weft.k8s.model.NetworkAuthenticationResource;
import io.weft.k8s.model.PodResource;
import io.weft.k8s.model.PolicyRef;
import io.weft.k8s.model.ServerAuthorizationResource;
import io.weft.k8s.model.ServerResource;
import io.weft.protocol.identity.MeshIdentity;
import io.weft.protocol.net.Cidr;
import io.weft.protocol.net.TcpAddresses;
import io.weft.protocol.policy.DefaultPolicy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Computes a pod port's inbound policy ({@code InboundServerPolicies}' {@code Server}), as Linkerd's
 * policy controller does: the Server that selects the pod and port (the oldest if several, by name),
 * with its protocol and the AuthorizationPolicies that target it or its namespace (and the
 * ServerAuthorizations that name or select it) — each admitting
 * the clients that pass all its required authentications, and none at all if one of them does not
 * exist (fail closed); else the default policy of the pod, its namespace or the install.
 */
public final class InboundPolicyView {
  static final String DEFAULT_POLICY_ANNOTATION = "config.linkerd.io/default-inbound-policy";
  private static final String POLICY_GROUP = "policy.linkerd.io";
  private static final List<String> ALL_NETWORKS = List.of("0.0.0.0/0", "::/0");

  /**
   * {@code defaultPolicy} and {@code clusterNetworks}: the install's; {@code detectTimeout}: how
   * long a proxy waits to detect the protocol of a port whose Server does not name one.
   */
  public record Settings(DefaultPolicy defaultPolicy, List<Cidr> clusterNetworks, java.time.Duration detectTimeout) {
    public Settings {
      clusterNetworks = List.copyOf(clusterNetworks);
    }

    /** The install's default and networks (the injector's settings), and {@code weft.discovery.inbound-policy}. */
    public static Settings from(com.typesafe.config.Config config) {
      com.typesafe.config.Config injector = config.getConfig("weft.proxy-injector");
      return new Settings(DefaultPolicy.parse(injector.getString("default-inbound-policy")),
          java.util.Arrays.stream(injector.getString("cluster-networks").split(",")).map(Cidr::parse).toList(),
          config.getDuration("weft.discovery.inbound-policy.detect-timeout"));
    }
  }

  private final DiscoverySettings discovery;
  private final Settings settings;

  public InboundPolicyView(DiscoverySettings discovery, Settings settings) {
    this.discovery = discovery;
    this.settings = settings;
  }

  public Server forPort(InboundPolicyInputs inputs, int port) {
    Optional<ServerResource> server = inputs.servers().stream()
        .filter(s -> selects(s, inputs.pod(), port))
        .min(Comparator.comparing((ServerResource s) -> s.meta().name()));
    return server.map(s -> forServer(s, inputs)).orElseGet(() -> defaultServer(defaultPolicy(inputs), port));
  }

  /** The pod's default policy: its annotation, its namespace's, or the install's. */
  DefaultPolicy defaultPolicy(InboundPolicyInputs inputs) {
    String annotated = inputs.pod().meta().annotations().getOrDefault(DEFAULT_POLICY_ANNOTATION,
        inputs.namespaceAnnotations().get(DEFAULT_POLICY_ANNOTATION));
    if (annotated == null) {
      return settings.defaultPolicy();
    }
    try {
      return DefaultPolicy.parse(annotated);
    } catch (IllegalArgumentException e) {
      // Fail closed: a policy nobody can read admits nobody.
      return DefaultPolicy.DENY;
    }
  }

  private static boolean selects(ServerResource server, PodResource pod, int port) {
    boolean labels = server.podSelector().entrySet().stream()
        .allMatch(e -> e.getValue().equals(pod.meta().labels().get(e.getKey())));
    if (!labels) {
      return false;
    }
    if (server.portNumber() != 0) {
      return server.portNumber() == port;
    }
    return pod.ports().stream().anyMatch(p -> p.name().equals(server.portName()) && p.containerPort() == port);
  }

  private Server forServer(ServerResource server, InboundPolicyInputs inputs) {
    List<Authz> authorizations = new ArrayList<>();
    for (AuthorizationPolicyResource policy : inputs.policies()) {
      PolicyRef target = policy.target();
      boolean targets = (target.kind().equals("Server") && target.name().equals(server.meta().name())
          && target.namespace().equals(server.meta().namespace()))
          || (target.kind().equals("Namespace") && target.name().equals(server.meta().namespace()));
      if (targets) {
        authorization(policy, inputs).ifPresent(authorizations::add);
      }
    }
    for (ServerAuthorizationResource authorization : inputs.serverAuthorizations()) {
      boolean targets = authorization.serverName().isEmpty()
          ? authorization.serverSelector().entrySet().stream().allMatch(e -> e.getValue().equals(server.meta().labels().get(e.getKey())))
          : authorization.serverName().equals(server.meta().name());
      if (targets) {
        authorizations.add(serverAuthorization(authorization));
      }
    }
    Map<String, String> labels = Map.of("group", POLICY_GROUP, "kind", "server", "name", server.meta().name());
    return Server.newBuilder().setProtocol(protocol(server.proxyProtocol(), authorizations)).addAllAuthorizations(authorizations)
        .putAllLabels(labels).build();
  }

  /** A policy's authorization, or none when an authentication it requires does not exist. */
  private Optional<Authz> authorization(AuthorizationPolicyResource policy, InboundPolicyInputs inputs) {
    Authn authentication = Authn.newBuilder().setUnauthenticated(Authn.PermitUnauthenticated.getDefaultInstance()).build();
    List<Network> protoNetworks = null;
    for (PolicyRef ref : policy.requiredAuthentications()) {
      switch (ref.kind()) {
        case "NetworkAuthentication" -> {
          Optional<NetworkAuthenticationResource> found = inputs.networkAuthentications().stream()
              .filter(n -> n.meta().namespace().equals(ref.namespace()) && n.meta().name().equals(ref.name())).findFirst();
          if (found.isEmpty()) {
            return Optional.empty();
          }
          protoNetworks = found.get().networks().stream().map(n -> network(n.cidr(), n.except())).toList();
        }
        case "MeshTLSAuthentication" -> {
          Optional<MeshTlsAuthenticationResource> found = inputs.meshAuthentications().stream()
              .filter(m -> m.meta().namespace().equals(ref.namespace()) && m.meta().name().equals(ref.name())).findFirst();
          if (found.isEmpty()) {
            return Optional.empty();
          }
          authentication = meshTls(found.get().identities(), found.get().identityRefs());
        }
        case "ServiceAccount" -> authentication = meshTls(List.of(), List.of(ref));
        default -> {
          return Optional.empty();
        }
      }
    }
    List<Network> all = protoNetworks != null ? protoNetworks : ALL_NETWORKS.stream().map(n -> network(n, List.of())).toList();
    return Optional.of(Authz.newBuilder().addAllNetworks(all).setAuthentication(authentication)
        .setMetadata(Metadata.newBuilder().setResource(Resource.newBuilder().setGroup(POLICY_GROUP).setKind("AuthorizationPolicy")
            .setName(policy.meta().name()).setNamespace(policy.meta().namespace())))
        .putAllLabels(Map.of("group", POLICY_GROUP, "kind", "authorizationpolicy", "name", policy.meta().name())).build());
  }

  /** A ServerAuthorization's clients: its networks (all when none) and how they must authenticate. */
  private Authz serverAuthorization(ServerAuthorizationResource authorization) {
    List<Network> networks = authorization.networks().isEmpty() ? ALL_NETWORKS.stream().map(n -> network(n, List.of())).toList()
        : authorization.networks().stream().map(n -> network(n.cidr(), n.except())).toList();
    Authn authentication = authorization.unauthenticated()
        ? Authn.newBuilder().setUnauthenticated(Authn.PermitUnauthenticated.getDefaultInstance()).build()
        : authorization.unauthenticatedTls()
            ? Authn.newBuilder().setMeshTLS(Authn.PermitMeshTLS.newBuilder().setUnauthenticated(Authn.PermitUnauthenticated.getDefaultInstance())).build()
            : meshTls(authorization.identities(), authorization.serviceAccounts());
    return Authz.newBuilder().addAllNetworks(networks).setAuthentication(authentication)
        .setMetadata(Metadata.newBuilder().setResource(Resource.newBuilder().setGroup(POLICY_GROUP).setKind("ServerAuthorization")
            .setName(authorization.meta().name()).setNamespace(authorization.meta().namespace())))
        .putAllLabels(Map.of("group", POLICY_GROUP, "kind", "serverauthorization", "name", authorization.meta().name())).build();
  }

  private Authn meshTls(List<String> identities, List<PolicyRef> refs) {
    Authn.PermitMeshTLS.PermitClientIdentities.Builder clients = Authn.PermitMeshTLS.PermitClientIdentities.newBuilder();
    for (String identity : identities) {
      if (identity.equals("*")) {
        clients.addSuffixes(IdentitySuffix.getDefaultInstance());
      } else if (identity.startsWith("*.")) {
        clients.addSuffixes(IdentitySuffix.newBuilder().addAllParts(List.of(identity.substring(2).split("\\."))));
      } else {
        clients.addIdentities(io.linkerd.proxy.inbound.Identity.newBuilder().setName(identity));
      }
    }
    for (PolicyRef ref : refs) {
      if (ref.kind().equals("Namespace")) {
        // Every ServiceAccount of the namespace: <sa>.<ns>.serviceaccount.identity.<cp-ns>.<trust-domain>.
        String suffix = new MeshIdentity("x", ref.name(), discovery.controlPlaneNamespace(), discovery.trustDomain()).name();
        clients.addSuffixes(IdentitySuffix.newBuilder().addAllParts(List.of(suffix.substring(suffix.indexOf('.') + 1).split("\\."))));
      } else {
        clients.addIdentities(io.linkerd.proxy.inbound.Identity.newBuilder().setName(
            new MeshIdentity(ref.name(), ref.namespace(), discovery.controlPlaneNamespace(), discovery.trustDomain()).name()));
      }
    }
    return Authn.newBuilder().setMeshTLS(Authn.PermitMeshTLS.newBuilder().setIdentities(clients)).build();
  }

  private Server defaultServer(DefaultPolicy policy, int port) {
    String name = policy.linkerdName();
    List<Authz> authorizations = new ArrayList<>();
    Authn anyone = Authn.newBuilder().setUnauthenticated(Authn.PermitUnauthenticated.getDefaultInstance()).build();
    Authn anyIdentity = Authn.newBuilder().setMeshTLS(Authn.PermitMeshTLS.newBuilder().setIdentities(
        Authn.PermitMeshTLS.PermitClientIdentities.newBuilder().addSuffixes(IdentitySuffix.getDefaultInstance()))).build();
    List<Network> all = ALL_NETWORKS.stream().map(n -> network(n, List.of())).toList();
    List<Network> cluster = settings.clusterNetworks().stream().map(c -> network(c.toString(), List.of())).toList();
    switch (policy) {
      case ALL_UNAUTHENTICATED, AUDIT -> authorizations.add(defaultAuthz(name, all, anyone));
      case ALL_AUTHENTICATED -> authorizations.add(defaultAuthz(name, all, anyIdentity));
      case CLUSTER_UNAUTHENTICATED -> authorizations.add(defaultAuthz(name, cluster, anyone));
      case CLUSTER_AUTHENTICATED -> authorizations.add(defaultAuthz(name, cluster, anyIdentity));
      case DENY -> { }
    }
    boolean opaque = discovery.defaultOpaquePorts().contains(port);
    Server.Builder server = Server.newBuilder().addAllAuthorizations(authorizations)
        .putAllLabels(Map.of("group", "", "kind", "default", "name", name));
    return server.setProtocol(opaque ? ProxyProtocol.newBuilder().setOpaque(ProxyProtocol.Opaque.getDefaultInstance()).build()
        : protocol("unknown", authorizations)).build();
  }

  private static Authz defaultAuthz(String name, List<Network> networks, Authn authentication) {
    return Authz.newBuilder().addAllNetworks(networks).setAuthentication(authentication)
        .setMetadata(Metadata.newBuilder().setDefault(name)).putAllLabels(Map.of("group", "", "kind", "default", "name", name)).build();
  }

  /**
   * The Server's protocol; an HTTP one carries Linkerd's default route (every path), which admits the
   * Server's authorizations (its TCP connections are admitted by the same).
   */
  private ProxyProtocol protocol(String proxyProtocol, List<Authz> authorizations) {
    HttpRoute route = HttpRoute.newBuilder().setMetadata(Metadata.newBuilder().setDefault("default"))
        .addAllAuthorizations(authorizations)
        .addRules(HttpRoute.Rule.newBuilder().addMatches(HttpRouteMatch.newBuilder().setPath(PathMatch.newBuilder().setPrefix("/"))))
        .build();
    return switch (proxyProtocol) {
      case "HTTP/1" -> ProxyProtocol.newBuilder().setHttp1(ProxyProtocol.Http1.newBuilder().addRoutes(route)).build();
      case "HTTP/2" -> ProxyProtocol.newBuilder().setHttp2(ProxyProtocol.Http2.newBuilder().addRoutes(route)).build();
      case "gRPC" -> ProxyProtocol.newBuilder().setGrpc(ProxyProtocol.Grpc.newBuilder().addRoutes(GrpcRoute.newBuilder()
          .setMetadata(Metadata.newBuilder().setDefault("default")).addAllAuthorizations(authorizations)
          .addRules(GrpcRoute.Rule.newBuilder().addMatches(GrpcRouteMatch.getDefaultInstance())))).build();
      case "opaque" -> ProxyProtocol.newBuilder().setOpaque(ProxyProtocol.Opaque.getDefaultInstance()).build();
      case "TLS" -> ProxyProtocol.newBuilder().setTls(ProxyProtocol.Tls.getDefaultInstance()).build();
      default -> ProxyProtocol.newBuilder().setDetect(ProxyProtocol.Detect.newBuilder().setTimeout(PolicyAnnotations.duration(settings.detectTimeout()))
          .addHttpRoutes(route)).build();
    };
  }

  private static Network network(String cidr, List<String> except) {
    return Network.newBuilder().setNet(ipNetwork(cidr)).addAllExcept(except.stream().map(InboundPolicyView::ipNetwork).toList()).build();
  }

  private static IPNetwork ipNetwork(String text) {
    Cidr cidr = Cidr.parse(text);
    try {
      return IPNetwork.newBuilder().setIp(TcpAddresses.ipOf(InetAddress.getByAddress(cidr.address()))).setPrefixLen(cidr.prefix()).build();
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException(text, e);
    }
  }

}
