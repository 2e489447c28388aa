package io.weft.actors.discovery;

import io.linkerd.proxy.inbound.Authn;
import io.linkerd.proxy.inbound.Authz;
import io.linkerd.proxy.grpc_route.GrpcRouteMatch;
import io.linkerd.proxy.inbound.GrpcRoute;
import io.linkerd.proxy.inbound.HttpLocalRateLimit;
import io.linkerd.proxy.inbound.HttpRoute;
import io.linkerd.proxy.http_types.HttpMethod;
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
import io.weft.k8s.model.RateLimitPolicyResource;
import io.weft.k8s.model.RouteResource;
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
 * ServerAuthorizations that name or select it) — each admitting the clients that pass all its
 * required authentications, and none at all if one of them does not exist (fail closed); else the
 * default policy of the pod, its namespace or the install. An HTTP port carries routes: the
 * HTTPRoutes (GRPCRoutes for a gRPC Server) whose parent is the Server, each with the
 * authorizations of the policies that target it (the proxy adds the Server's to every route), or,
 * when there are none, Linkerd's default routes — every request, plus the pod's probe paths admitted
 * unauthenticated from the probe networks — and the HTTPLocalRateLimitPolicy that targets the Server.
 */
public final class InboundPolicyView {
  static final String DEFAULT_POLICY_ANNOTATION = "config.linkerd.io/default-inbound-policy";
  private static final String POLICY_GROUP = "policy.linkerd.io";
  /** Every client address, IPv4 and IPv6: an authorization that names no networks. */
  private static final List<Network> EVERYWHERE = networks(List.of(Cidr.parse("0.0.0.0/0"), Cidr.parse("::/0")));
  /** Anyone, with or without mesh TLS. */
  private static final Authn ANYONE = Authn.newBuilder().setUnauthenticated(Authn.PermitUnauthenticated.getDefaultInstance()).build();

  /**
   * {@code defaultPolicy} and {@code clusterNetworks}: the install's; {@code detectTimeout}: how
   * long a proxy waits to detect the protocol of a port whose Server does not name one;
   * {@code probeNetworks}: where the kubelet's probes come from.
   */
  public record Settings(DefaultPolicy defaultPolicy, List<Cidr> clusterNetworks, java.time.Duration detectTimeout,
                         List<Cidr> probeNetworks) {
    public Settings {
      clusterNetworks = List.copyOf(clusterNetworks);
      probeNetworks = List.copyOf(probeNetworks);
    }

    /** The install's default and networks (the injector's settings), and {@code weft.discovery.inbound-policy}. */
    public static Settings from(com.typesafe.config.Config config) {
      com.typesafe.config.Config injector = config.getConfig("weft.proxy-injector");
      com.typesafe.config.Config own = config.getConfig("weft.discovery.inbound-policy");
      return new Settings(DefaultPolicy.parse(injector.getString("default-inbound-policy")), cidrs(injector.getString("cluster-networks")),
          own.getDuration("detect-timeout"), cidrs(own.getString("probe-networks")));
    }

    private static List<Cidr> cidrs(String list) {
      return java.util.Arrays.stream(list.split(",")).map(String::trim).filter(c -> !c.isEmpty()).map(Cidr::parse).toList();
    }
  }

  private final DiscoverySettings discovery;
  private final Settings settings;

  /** The install's cluster and probe networks, as authorizations carry them (fixed for the view's life). */
  private final List<Network> clusterNetworks;
  private final List<Network> probeNetworks;

  public InboundPolicyView(DiscoverySettings discovery, Settings settings) {
    this.discovery = discovery;
    this.settings = settings;
    this.clusterNetworks = networks(settings.clusterNetworks());
    this.probeNetworks = networks(settings.probeNetworks());
  }

  public Server forPort(InboundPolicyInputs inputs, int port) {
    Optional<ServerResource> server = inputs.servers().stream()
        .filter(s -> selects(s, inputs.pod(), port))
        .min(Comparator.comparing((ServerResource s) -> s.meta().name()));
    return server.map(s -> forServer(s, inputs, port)).orElseGet(() -> defaultServer(defaultPolicy(inputs), inputs, port));
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
    if (!server.podSelector().matches(pod.meta().labels())) {
      return false;
    }
    if (server.portNumber() != 0) {
      return server.portNumber() == port;
    }
    return pod.ports().stream().anyMatch(p -> p.name().equals(server.portName()) && p.containerPort() == port);
  }

  private Server forServer(ServerResource server, InboundPolicyInputs inputs, int port) {
    List<Authz> authorizations = new ArrayList<>();
    for (AuthorizationPolicyResource policy : inputs.policies()) {
      if (policy.targetsServer(server.meta().namespace(), server.meta().name())) {
        authorization(policy, inputs).ifPresent(authorizations::add);
      }
    }
    for (ServerAuthorizationResource authorization : inputs.serverAuthorizations()) {
      if (authorization.targets(server)) {
        authorizations.add(serverAuthorization(authorization));
      }
    }
    List<RouteResource> routes = inputs.routes().stream()
        .filter(r -> r.attachesToServer(server.meta().namespace(), server.meta().name())).toList();
    Optional<HttpLocalRateLimit> rateLimit = inputs.rateLimits().stream()
        .filter(l -> l.target().name().equals(server.meta().name()) && l.target().namespace().equals(server.meta().namespace()))
        .findFirst().map(this::rateLimit);
    Map<String, String> labels = Map.of("group", POLICY_GROUP, "kind", "server", "name", server.meta().name());
    return Server.newBuilder().setProtocol(protocol(server.proxyProtocol(), routes, inputs, port, rateLimit))
        .addAllAuthorizations(authorizations).putAllLabels(labels).build();
  }

  /** The authorizations of the policies that target {@code route} itself. */
  private List<Authz> routeAuthorizations(RouteResource route, InboundPolicyInputs inputs) {
    List<Authz> authorizations = new ArrayList<>();
    for (AuthorizationPolicyResource policy : inputs.policies()) {
      if (policy.targetsRoute(route)) {
        authorization(policy, inputs).ifPresent(authorizations::add);
      }
    }
    return authorizations;
  }

  /** Linkerd's HttpLocalRateLimit: the policy's limits, its overrides' ServiceAccounts as identities. */
  private HttpLocalRateLimit rateLimit(RateLimitPolicyResource policy) {
    HttpLocalRateLimit.Builder out = HttpLocalRateLimit.newBuilder().setMetadata(Metadata.newBuilder().setResource(Resource.newBuilder()
        .setGroup(POLICY_GROUP).setKind(policy.resourceKind().kindName()).setName(policy.meta().name()).setNamespace(policy.meta().namespace())));
    if (policy.total() > 0) {
      out.setTotal(HttpLocalRateLimit.Limit.newBuilder().setRequestsPerSecond(policy.total()));
    }
    if (policy.identity() > 0) {
      out.setIdentity(HttpLocalRateLimit.Limit.newBuilder().setRequestsPerSecond(policy.identity()));
    }
    for (RateLimitPolicyResource.Override o : policy.overrides()) {
      HttpLocalRateLimit.Override.ClientIdentities.Builder clients = HttpLocalRateLimit.Override.ClientIdentities.newBuilder();
      o.clients().forEach(c -> clients.addIdentities(io.linkerd.proxy.inbound.Identity.newBuilder().setName(
          new MeshIdentity(c.name(), c.namespace(), discovery.controlPlaneNamespace(), discovery.trustDomain()).name())));
      out.addOverrides(HttpLocalRateLimit.Override.newBuilder()
          .setLimit(HttpLocalRateLimit.Limit.newBuilder().setRequestsPerSecond(o.requestsPerSecond())).setClients(clients));
    }
    return out.build();
  }

  /** A policy's authorization, or none when an authentication it requires does not exist. */
  private Optional<Authz> authorization(AuthorizationPolicyResource policy, InboundPolicyInputs inputs) {
    Authn authentication = ANYONE;
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
    List<Network> all = protoNetworks != null ? protoNetworks : EVERYWHERE;
    return Optional.of(Authz.newBuilder().addAllNetworks(all).setAuthentication(authentication)
        .setMetadata(Metadata.newBuilder().setResource(Resource.newBuilder().setGroup(POLICY_GROUP).setKind("AuthorizationPolicy")
            .setName(policy.meta().name()).setNamespace(policy.meta().namespace())))
        .putAllLabels(Map.of("group", POLICY_GROUP, "kind", "authorizationpolicy", "name", policy.meta().name())).build());
  }

  /** A ServerAuthorization's clients: its networks (all when none) and how they must authenticate. */
  private Authz serverAuthorization(ServerAuthorizationResource authorization) {
    List<Network> networks = authorization.networks().isEmpty() ? EVERYWHERE
        : authorization.networks().stream().map(n -> network(n.cidr(), n.except())).toList();
    Authn authentication = authorization.unauthenticated()
        ? ANYONE
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

  private Server defaultServer(DefaultPolicy policy, InboundPolicyInputs inputs, int port) {
    String name = policy.linkerdName();
    List<Authz> authorizations = new ArrayList<>();
    Authn anyIdentity = Authn.newBuilder().setMeshTLS(Authn.PermitMeshTLS.newBuilder().setIdentities(
        Authn.PermitMeshTLS.PermitClientIdentities.newBuilder().addSuffixes(IdentitySuffix.getDefaultInstance()))).build();
    switch (policy) {
      case ALL_UNAUTHENTICATED, AUDIT -> authorizations.add(defaultAuthz(name, EVERYWHERE, ANYONE));
      case ALL_AUTHENTICATED -> authorizations.add(defaultAuthz(name, EVERYWHERE, anyIdentity));
      case CLUSTER_UNAUTHENTICATED -> authorizations.add(defaultAuthz(name, clusterNetworks, ANYONE));
      case CLUSTER_AUTHENTICATED -> authorizations.add(defaultAuthz(name, clusterNetworks, anyIdentity));
      case DENY -> { }
    }
    boolean opaque = discovery.defaultOpaquePorts().contains(port);
    Server.Builder server = Server.newBuilder().addAllAuthorizations(authorizations)
        .putAllLabels(Map.of("group", "", "kind", "default", "name", name));
    return server.setProtocol(opaque ? ProxyProtocol.newBuilder().setOpaque(ProxyProtocol.Opaque.getDefaultInstance()).build()
        : protocol("unknown", List.of(), inputs, port, Optional.empty())).build();
  }

  private static Authz defaultAuthz(String name, List<Network> networks, Authn authentication) {
    return Authz.newBuilder().addAllNetworks(networks).setAuthentication(authentication)
        .setMetadata(Metadata.newBuilder().setDefault(name)).putAllLabels(Map.of("group", "", "kind", "default", "name", name)).build();
  }

  /**
   * The Server's protocol; an HTTP one carries its routes ({@code routes}, or Linkerd's default ones)
   * and rate limit.
   */
  private ProxyProtocol protocol(String proxyProtocol, List<RouteResource> routes, InboundPolicyInputs inputs, int port,
                                 Optional<HttpLocalRateLimit> rateLimit) {
    List<HttpRoute> http = routes.stream().filter(r -> !r.grpc()).map(r -> RouteView.inbound(r, routeAuthorizations(r, inputs))).toList();
    if (http.isEmpty()) {
      http = defaultRoutes(inputs, port);
    }
    return switch (proxyProtocol) {
      case "HTTP/1" -> {
        ProxyProtocol.Http1.Builder out = ProxyProtocol.Http1.newBuilder().addAllRoutes(http);
        rateLimit.ifPresent(out::setLocalRateLimit);
        yield ProxyProtocol.newBuilder().setHttp1(out).build();
      }
      case "HTTP/2" -> {
        ProxyProtocol.Http2.Builder out = ProxyProtocol.Http2.newBuilder().addAllRoutes(http);
        rateLimit.ifPresent(out::setLocalRateLimit);
        yield ProxyProtocol.newBuilder().setHttp2(out).build();
      }
      case "gRPC" -> {
        List<GrpcRoute> grpc = routes.stream().filter(RouteResource::grpc).map(r -> RouteView.inboundGrpc(r, routeAuthorizations(r, inputs)))
            .toList();
        yield ProxyProtocol.newBuilder().setGrpc(ProxyProtocol.Grpc.newBuilder().addAllRoutes(grpc.isEmpty()
            ? List.of(GrpcRoute.newBuilder().setMetadata(Metadata.newBuilder().setDefault("default"))
                .addRules(GrpcRoute.Rule.newBuilder().addMatches(GrpcRouteMatch.getDefaultInstance())).build())
            : grpc)).build();
      }
      case "opaque" -> ProxyProtocol.newBuilder().setOpaque(ProxyProtocol.Opaque.getDefaultInstance()).build();
      case "TLS" -> ProxyProtocol.newBuilder().setTls(ProxyProtocol.Tls.getDefaultInstance()).build();
      default -> {
        ProxyProtocol.Detect.Builder out = ProxyProtocol.Detect.newBuilder()
            .setTimeout(PolicyAnnotations.duration(settings.detectTimeout())).addAllHttpRoutes(http);
        rateLimit.ifPresent(out::setHttpLocalRateLimit);
        yield ProxyProtocol.newBuilder().setDetect(out).build();
      }
    };
  }

  /**
   * Linkerd's routes for a port no HTTPRoute shapes: {@code default}, every request, admitted by the
   * Server's authorizations; and {@code probe}, a GET of each path the kubelet probes on the port,
   * admitted unauthenticated from the probe networks, so probes keep working under any policy.
   */
  private List<HttpRoute> defaultRoutes(InboundPolicyInputs inputs, int port) {
    List<HttpRoute> routes = new ArrayList<>();
    routes.add(HttpRoute.newBuilder().setMetadata(Metadata.newBuilder().setDefault("default"))
        .addRules(HttpRoute.Rule.newBuilder().addMatches(HttpRouteMatch.newBuilder().setPath(PathMatch.newBuilder().setPrefix("/"))))
        .build());
    List<String> paths = inputs.pod() == null ? List.of() : inputs.pod().probePaths(port);
    if (!paths.isEmpty() && !probeNetworks.isEmpty()) {
      HttpRoute.Rule.Builder rule = HttpRoute.Rule.newBuilder();
      paths.forEach(path -> rule.addMatches(HttpRouteMatch.newBuilder().setPath(PathMatch.newBuilder().setExact(path))
          .setMethod(HttpMethod.newBuilder().setRegistered(HttpMethod.Registered.GET))));
      Authz probe = Authz.newBuilder().addAllNetworks(probeNetworks).setAuthentication(ANYONE)
          .setMetadata(Metadata.newBuilder().setDefault("probe")).putAllLabels(Map.of("group", "", "kind", "default", "name", "probe"))
          .build();
      routes.add(HttpRoute.newBuilder().setMetadata(Metadata.newBuilder().setDefault("probe")).addAuthorizations(probe).addRules(rule).build());
    }
    return routes;
  }

  private static List<Network> networks(List<Cidr> cidrs) {
    return cidrs.stream().map(c -> network(c.toString(), List.of())).toList();
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
