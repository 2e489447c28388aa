package io.weft.proxy.policy;

import io.linkerd.proxy.inbound.Authn;
import io.linkerd.proxy.inbound.Authz;
import io.linkerd.proxy.inbound.Identity;
import io.linkerd.proxy.inbound.IdentitySuffix;
import io.linkerd.proxy.inbound.Network;
import io.linkerd.proxy.inbound.Server;
import io.linkerd.proxy.net.IPNetwork;
import io.weft.protocol.net.TcpAddresses;
import io.weft.protocol.policy.Client;
import org.junit.jupiter.api.Test;

import io.linkerd.proxy.http_route.HttpRouteMatch;
import io.linkerd.proxy.http_route.PathMatch;
import io.linkerd.proxy.http_types.HttpMethod;
import io.linkerd.proxy.inbound.HttpRoute;
import io.linkerd.proxy.inbound.ProxyProtocol;
import io.linkerd.proxy.meta.Metadata;
import io.linkerd.proxy.meta.Resource;
import io.weft.proxy.route.InboundRoute;
import io.weft.proxy.route.RequestParts;
import io.weft.streams.http.Body;
import io.weft.streams.http.Headers;
import io.weft.streams.http.HttpVersion;
import io.weft.streams.http.Request;

import java.net.InetAddress;
import java.time.Duration;
import java.util.Optional;

import static org.assertj.core.api.Assertions.assertThat;

class PortPolicyTest {
  private static final String WEB = "web.emojivoto.serviceaccount.identity.linkerd.cluster.local";
  private static final String BOOKS = "books.booksapp.serviceaccount.identity.linkerd.cluster.local";

  private static PortPolicy compile(Server server) {
    return PortPolicy.of(server, Duration.ofMillis(100));
  }

  private static Request request(String method, String path) {
    return new Request(method, path, "authors:7001", HttpVersion.HTTP_1_1, new Headers(), Body.EMPTY);
  }

  private static Authz meshTls(String name, String identity) {
    return Authz.newBuilder().addNetworks(network("0.0.0.0", 0, null, 0))
        .setAuthentication(Authn.newBuilder().setMeshTLS(Authn.PermitMeshTLS.newBuilder().setIdentities(
            Authn.PermitMeshTLS.PermitClientIdentities.newBuilder().addIdentities(Identity.newBuilder().setName(identity)))))
        .setMetadata(Metadata.newBuilder().setResource(Resource.newBuilder().setGroup("policy.linkerd.io")
            .setKind("AuthorizationPolicy").setName(name))).build();
  }

  private static Optional<String> routeOf(PortPolicy policy, String method, String path) {
    Request request = request(method, path);
    return InboundRoute.select(policy.routes(), request, RequestParts.of(request)).map(s -> s.route().name());
  }

  @Test
  void aRequestTakesItsRouteAndIsAdmittedByTheRoutesAuthorizationsThenTheServers() {
    HttpRoute authors = HttpRoute.newBuilder()
        .setMetadata(Metadata.newBuilder().setResource(Resource.newBuilder().setGroup("policy.linkerd.io").setKind("HTTPRoute")
            .setName("authors-get-route")))
        .addAuthorizations(meshTls("allow-books", BOOKS))
        .addRules(HttpRoute.Rule.newBuilder()
            .addMatches(HttpRouteMatch.newBuilder().setPath(PathMatch.newBuilder().setExact("/authors.json"))
                .setMethod(HttpMethod.newBuilder().setRegistered(HttpMethod.Registered.GET)))
            .addMatches(HttpRouteMatch.newBuilder().setPath(PathMatch.newBuilder().setPrefix("/authors/"))
                .setMethod(HttpMethod.newBuilder().setRegistered(HttpMethod.Registered.GET))))
        .build();
    PortPolicy policy = compile(Server.newBuilder().putLabels("kind", "server").putLabels("name", "authors")
        .addAuthorizations(meshTls("allow-viz", WEB))
        .setProtocol(ProxyProtocol.newBuilder().setHttp1(ProxyProtocol.Http1.newBuilder().addRoutes(authors))).build());
    assertThat(routeOf(policy, "GET", "/authors.json")).contains("authors-get-route");
    assertThat(routeOf(policy, "GET", "/authors/12.json")).contains("authors-get-route");
    assertThat(routeOf(policy, "DELETE", "/authors/12.json")).as("no route: a 404").isEmpty();
    assertThat(routeOf(policy, "GET", "/books.json")).isEmpty();
    InboundRoute<PortPolicy.Rule> route = policy.routes().get(0);
    assertThat(route.kind()).isEqualTo("HTTPRoute");
    assertThat(route.authorizations()).as("the route's own first, then the server's").extracting(PortPolicy.Rule::name)
        .containsExactly("allow-books", "allow-viz");
    assertThat(route.authorizations().get(0).kind()).as("kinds in lower case, from metadata").isEqualTo("authorizationpolicy");

    PortPolicy noRoutes = compile(Server.newBuilder().addAuthorizations(meshTls("allow-viz", WEB))
        .setProtocol(ProxyProtocol.newBuilder().setHttp2(ProxyProtocol.Http2.getDefaultInstance())).build());
    assertThat(routeOf(noRoutes, "DELETE", "/anything")).as("an older controller's port: the default route").contains("default");
    assertThat(noRoutes.routes().get(0).authorizations()).extracting(PortPolicy.Rule::name).containsExactly("allow-viz");
    PortPolicy opaque = compile(Server.newBuilder().setProtocol(ProxyProtocol.newBuilder().setOpaque(ProxyProtocol.Opaque.getDefaultInstance())).build());
    assertThat(opaque.http()).isFalse();
  }

  private static Network network(String ip, int prefix, String exceptIp, int exceptPrefix) {
    Network.Builder n = Network.newBuilder().setNet(IPNetwork.newBuilder().setIp(TcpAddresses.ipOf(InetAddress.ofLiteral(ip))).setPrefixLen(prefix));
    if (exceptIp != null) {
      n.addExcept(IPNetwork.newBuilder().setIp(TcpAddresses.ipOf(InetAddress.ofLiteral(exceptIp))).setPrefixLen(exceptPrefix));
    }
    return n.build();
  }

  private static Client client(String ip, String identity) {
    return new Client(InetAddress.ofLiteral(ip), Optional.ofNullable(identity));
  }

  @Test
  void eachAuthorizationAdmitsItsNetworksAndIdentities() {
    PortPolicy policy = compile(Server.newBuilder().putLabels("group", "policy.linkerd.io").putLabels("kind", "server")
        .putLabels("name", "web-http")
        .addAuthorizations(Authz.newBuilder().addNetworks(network("10.0.0.0", 8, "10.9.0.0", 16))
            .setAuthentication(Authn.newBuilder().setMeshTLS(Authn.PermitMeshTLS.newBuilder().setIdentities(
                Authn.PermitMeshTLS.PermitClientIdentities.newBuilder().addIdentities(Identity.newBuilder().setName(WEB))
                    .addSuffixes(IdentitySuffix.newBuilder().addParts("voting").addParts("serviceaccount")))))
            .putLabels("kind", "authorizationpolicy").putLabels("name", "mesh"))
        .addAuthorizations(Authz.newBuilder().addNetworks(network("192.168.0.0", 16, null, 0))
            .setAuthentication(Authn.newBuilder().setUnauthenticated(Authn.PermitUnauthenticated.getDefaultInstance()))
            .putLabels("kind", "authorizationpolicy").putLabels("name", "probes"))
        .build());
    assertThat(policy.serverName()).isEqualTo("web-http");
    assertThat(policy.admit(client("10.1.2.3", WEB), true)).map(PortPolicy.Rule::name).contains("mesh");
    assertThat(policy.admit(client("10.1.2.3", "x.voting.serviceaccount"), true)).as("by suffix").isPresent();
    assertThat(policy.admit(client("10.1.2.3", "x.votingserviceaccount"), true)).as("a suffix is whole labels").isEmpty();
    assertThat(policy.admit(client("10.9.2.3", WEB), true)).as("an excepted network").isEmpty();
    assertThat(policy.admit(client("10.1.2.3", null), false)).as("no identity").isEmpty();
    assertThat(policy.admit(client("192.168.1.1", null), false)).map(PortPolicy.Rule::name).contains("probes");

    PortPolicy none = compile(Server.newBuilder().putLabels("kind", "server").putLabels("name", "locked").build());
    assertThat(none.admit(client("10.1.2.3", WEB), true)).as("no authorization admits nobody").isEmpty();

    PortPolicy anyTls = compile(Server.newBuilder().addAuthorizations(Authz.newBuilder().addNetworks(network("0.0.0.0", 0, null, 0))
        .setAuthentication(Authn.newBuilder().setMeshTLS(Authn.PermitMeshTLS.newBuilder()
            .setUnauthenticated(Authn.PermitUnauthenticated.getDefaultInstance())))).build());
    assertThat(anyTls.admit(client("10.1.2.3", null), true)).as("mesh TLS without an identity").isPresent();
    assertThat(anyTls.admit(client("10.1.2.3", null), false)).as("plaintext").isEmpty();

    PortPolicy unknown = compile(Server.newBuilder().addAuthorizations(Authz.newBuilder().addNetworks(network("0.0.0.0", 0, null, 0)))
        .build());
    assertThat(unknown.admit(client("10.1.2.3", WEB), true)).as("an authentication the proxy cannot read admits nobody").isEmpty();
  }
}
